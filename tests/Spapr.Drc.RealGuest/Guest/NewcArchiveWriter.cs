using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Spapr.Drc.RealGuest.Guest;

/// <summary>
/// Writes a gzip-compressed "newc" cpio archive, the format the Linux kernel unpacks as an initramfs, so no cpio
/// tool is needed. Entries are written in the order added; a directory must be added before what it contains.
/// </summary>
public sealed class NewcArchiveWriter
{
    private const uint DirectoryMode = 0x4000;
    private const uint RegularMode = 0x8000;
    private const uint CharDeviceMode = 0x2000;
    private readonly MemoryStream _archive = new();
    private uint _inode = 1;

    public void AddDirectory(string path, uint permissions = 0x1ED /* 0755 */) => Add(path, DirectoryMode | permissions, [], nlink: 2);

    public void AddFile(string path, ReadOnlySpan<byte> content, uint permissions = 0x1ED) => Add(path, RegularMode | permissions, content);

    public void AddCharDevice(string path, uint major, uint minor, uint permissions = 0x180 /* 0600 */) =>
        Add(path, CharDeviceMode | permissions, [], rdevMajor: major, rdevMinor: minor);

    /// <summary>Adds the trailer and returns the gzip-compressed archive.</summary>
    public byte[] Finish()
    {
        Add("TRAILER!!!", 0, [], nlink: 1);
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            _archive.Position = 0;
            _archive.CopyTo(gzip);
        }

        return output.ToArray();
    }

    private void Add(string path, uint mode, ReadOnlySpan<byte> content, uint nlink = 1, uint rdevMajor = 0, uint rdevMinor = 0)
    {
        byte[] name = Encoding.UTF8.GetBytes(path + "\0");
        uint[] fields = [_inode++, mode, 0, 0, nlink, 0, (uint)content.Length, 0, 0, rdevMajor, rdevMinor, (uint)name.Length, 0];
        var header = new StringBuilder("070701");
        foreach (uint field in fields)
        {
            header.Append(field.ToString("X8", CultureInfo.InvariantCulture));
        }

        _archive.Write(Encoding.ASCII.GetBytes(header.ToString()));
        _archive.Write(name);
        Pad();
        _archive.Write(content);
        Pad();
    }

    /// <summary>newc aligns both the header+name and the data to 4 bytes.</summary>
    private void Pad()
    {
        while (_archive.Length % 4 != 0)
        {
            _archive.WriteByte(0);
        }
    }
}
