using System.Buffers.Binary;
using System.Text;

namespace Spapr.Drc.RealGuest.Guest;

/// <summary>
/// The symbol table (.symtab) of a little-endian ELF64 file such as Debian's ppc64el vmlinux, read without binutils:
/// the recorder needs the addresses of a few kernel globals (local ones included) to read them from kprobes.
/// </summary>
public sealed class ElfSymbolTable
{
    private const int SectionHeaderSize = 64;
    private const int SymbolSize = 24;
    private const uint SymTab = 2;
    private readonly Dictionary<string, (ulong Address, ulong Size)> _objects;

    private ElfSymbolTable(Dictionary<string, (ulong, ulong)> objects) => _objects = objects;

    /// <summary>How many data-object symbols were read.</summary>
    public int Count => _objects.Count;

    public static ElfSymbolTable Read(string path) => Parse(File.ReadAllBytes(path), path);

    /// <summary>Reads every STT_OBJECT symbol; the first of a name wins (kernel object names we ask for are unique).</summary>
    public static ElfSymbolTable Parse(ReadOnlySpan<byte> elf, string name)
    {
        if (elf.Length < 64 || !elf[..4].SequenceEqual("\u007fELF"u8) || elf[4] != 2 || elf[5] != 1)
        {
            throw new RealGuestException($"{name} is not a little-endian ELF64 file.");
        }

        ulong sectionOffset = BinaryPrimitives.ReadUInt64LittleEndian(elf[0x28..]);
        int sectionEntrySize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3A..]);
        int sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3C..]);
        if (sectionEntrySize != SectionHeaderSize)
        {
            throw new RealGuestException($"{name}: unexpected ELF section header size {sectionEntrySize}.");
        }

        var objects = new Dictionary<string, (ulong, ulong)>(StringComparer.Ordinal);
        bool found = false;
        for (int s = 0; s < sectionCount; s++)
        {
            var header = elf.Slice(checked((int)sectionOffset + (s * SectionHeaderSize)), SectionHeaderSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != SymTab)
            {
                continue;
            }

            found = true;
            var symbols = Section(elf, header);
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]);
            var strings = Section(elf, elf.Slice(checked((int)sectionOffset + (link * SectionHeaderSize)), SectionHeaderSize));
            for (int offset = 0; offset + SymbolSize <= symbols.Length; offset += SymbolSize)
            {
                var symbol = symbols.Slice(offset, SymbolSize);
                const int SttObject = 1;
                if ((symbol[4] & 0xF) != SttObject)
                {
                    continue;
                }

                var nameBytes = strings[(int)BinaryPrimitives.ReadUInt32LittleEndian(symbol)..];
                string symbolName = Encoding.ASCII.GetString(nameBytes[..nameBytes.IndexOf((byte)0)]);
                objects.TryAdd(symbolName, (BinaryPrimitives.ReadUInt64LittleEndian(symbol[8..]), BinaryPrimitives.ReadUInt64LittleEndian(symbol[16..])));
            }
        }

        if (!found)
        {
            throw new RealGuestException($"{name} has no symbol table (.symtab): a stripped kernel cannot be probed by address.");
        }

        return new ElfSymbolTable(objects);
    }

    /// <summary>Address and size of a data object, or a clear error naming the symbol.</summary>
    public (ulong Address, ulong Size) Object(string symbol) =>
        _objects.TryGetValue(symbol, out var entry)
            ? entry
            : throw new RealGuestException($"vmlinux has no data object '{symbol}': not the Linux 6.1 layout the kprobes read.");

    private static ReadOnlySpan<byte> Section(ReadOnlySpan<byte> elf, ReadOnlySpan<byte> header)
    {
        ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]);
        ulong size = BinaryPrimitives.ReadUInt64LittleEndian(header[0x20..]);
        return elf.Slice(checked((int)offset), checked((int)size));
    }
}
