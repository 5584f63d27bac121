using System.Buffers.Binary;
using System.Text;
using Spapr.Drc.RealGuest.Guest;

namespace Spapr.Drc.RealGuest.Tests.Units;

public sealed class ElfSymbolTableTests
{
    [Fact]
    public void Object_SymbolInSymtab_ReturnsAddressAndSize()
    {
        var table = ElfSymbolTable.Parse(MinimalElf(("rtas", 0xc000000002750910, 128), ("rtas_data_buf", 0xc0000000026d0000, 4096)), "test");
        table.Object("rtas").Should().Be((0xc000000002750910UL, 128UL));
        KernelSymbols.From(ElfSymbolTable.Parse(MinimalElf(("rtas", 0x1000, 128), ("rtas_data_buf", 0x2000, 4096), ("ras_log_buf", 0x3000, 2048)), "test"))
            .RtasArgsValues.Should().Be(0x1000 + 32 + 12);
    }

    [Fact]
    public void From_RtasOfAnotherSize_ThrowsNamingTheLayout()
    {
        var act = () => KernelSymbols.From(ElfSymbolTable.Parse(MinimalElf(("rtas", 0x1000, 136), ("rtas_data_buf", 0x2000, 4096), ("ras_log_buf", 0x3000, 2048)), "test"));
        act.Should().Throw<RealGuestException>().WithMessage("*struct rtas_t*");
    }

    [Fact]
    public void Parse_NotElf_Throws()
    {
        var act = () => ElfSymbolTable.Parse(new byte[128], "junk");
        act.Should().Throw<RealGuestException>().WithMessage("junk is not*");
    }

    /// <summary>An ELF64 little-endian file with a null section, a .symtab of data objects and its string table.</summary>
    private static byte[] MinimalElf(params (string Name, ulong Address, ulong Size)[] objects)
    {
        var strings = new MemoryStream();
        strings.WriteByte(0);
        var symbols = new byte[24 * (objects.Length + 1)];
        for (int i = 0; i < objects.Length; i++)
        {
            var entry = symbols.AsSpan(24 * (i + 1));
            BinaryPrimitives.WriteUInt32LittleEndian(entry, (uint)strings.Length);
            entry[4] = 0x11; // GLOBAL OBJECT
            BinaryPrimitives.WriteUInt64LittleEndian(entry[8..], objects[i].Address);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[16..], objects[i].Size);
            strings.Write(Encoding.ASCII.GetBytes(objects[i].Name + "\0"));
        }

        byte[] stringTable = strings.ToArray();
        int symbolsAt = 64;
        int stringsAt = symbolsAt + symbols.Length;
        int sectionsAt = (stringsAt + stringTable.Length + 7) & ~7;
        var elf = new byte[sectionsAt + (3 * 64)];
        "\u007fELF"u8.CopyTo(elf);
        elf[4] = 2;
        elf[5] = 1;
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(0x28), (ulong)sectionsAt);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x3A), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x3C), 3);
        symbols.CopyTo(elf, symbolsAt);
        stringTable.CopyTo(elf, stringsAt);
        Section(elf, sectionsAt + 64, type: 2, symbolsAt, symbols.Length, link: 2);
        Section(elf, sectionsAt + 128, type: 3, stringsAt, stringTable.Length, link: 0);
        return elf;
    }

    private static void Section(byte[] elf, int at, uint type, int offset, int size, uint link)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(at + 4), type);
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(at + 0x18), (ulong)offset);
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(at + 0x20), (ulong)size);
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(at + 0x28), link);
    }
}
