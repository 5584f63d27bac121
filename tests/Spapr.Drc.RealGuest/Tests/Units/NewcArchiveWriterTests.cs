using System.IO.Compression;
using System.Text;
using Spapr.Drc.RealGuest.Guest;

namespace Spapr.Drc.RealGuest.Tests.Units;

public sealed class NewcArchiveWriterTests
{
    [Fact]
    public void Finish_OneFile_WritesAlignedNewcEntriesAndTrailer()
    {
        var writer = new NewcArchiveWriter();
        writer.AddDirectory("bin");
        writer.AddFile("init", "#!/bin/sh\n"u8);
        byte[] archive = Gunzip(writer.Finish());
        string text = Encoding.ASCII.GetString(archive);

        text.Should().StartWith("070701");
        (archive.Length % 4).Should().Be(0);
        text.Should().Contain("bin\0").And.Contain("init\0").And.Contain("#!/bin/sh\n").And.Contain("TRAILER!!!\0");
        int init = text.IndexOf("070701", 6, StringComparison.Ordinal);
        text.Substring(init + 6 + (8 * 6), 8).Should().Be("0000000A", "the file size field holds the content length");
        (text.IndexOf("#!/bin/sh", StringComparison.Ordinal) % 4).Should().Be(0, "data starts 4-byte aligned");
    }

    private static byte[] Gunzip(byte[] data)
    {
        using var input = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
