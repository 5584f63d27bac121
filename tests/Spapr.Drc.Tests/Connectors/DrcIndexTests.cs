namespace Spapr.Drc.Tests.Connectors;

public sealed class DrcIndexTests
{
    [Theory]
    [InlineData(DrcType.Cpu, 0u, 0x1000_0000u)]
    [InlineData(DrcType.Cpu, 8u, 0x1000_0008u)]
    [InlineData(DrcType.Phb, 0u, 0x2000_0000u)]
    [InlineData(DrcType.Pci, 32u, 0x4000_0020u)]
    [InlineData(DrcType.Lmb, 16u, 0x8000_0010u)]
    [InlineData(DrcType.Pmem, 3u, 0x9000_0003u)]
    [InlineData(DrcType.Cpu, 0x0FFF_FFFFu, 0x1FFF_FFFFu)]
    public void From_KnownType_IsShiftedTypeOrId(DrcType type, uint id, uint expected)
    {
        var index = DrcIndex.From(type, id);

        index.Value.Should().Be(expected);
        index.Type.Should().Be(type);
        index.Id.Should().Be(id);
        DrcIndex.FromValue(expected).Should().Be(index);
    }

    [Fact]
    public void From_Vio_IsRefused()
    {
        var act = () => DrcIndex.From(DrcType.Vio, 0);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Vio*");
    }

    [Fact]
    public void TryFrom_Vio_ReturnsFalse()
    {
        DrcIndex.TryFrom(DrcType.Vio, 1, out _).Should().BeFalse();
    }

    [Fact]
    public void From_IdOver28Bits_IsRefused()
    {
        var act = () => DrcIndex.From(DrcType.Cpu, 0x1000_0000);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*28 bits*");
    }

    [Fact]
    public void TryFrom_IdOver28Bits_ReturnsFalse()
    {
        DrcIndex.TryFrom(DrcType.Lmb, 0x1000_0000, out _).Should().BeFalse();
    }

    [Fact]
    public void From_UnknownType_IsRefused()
    {
        var act = () => DrcIndex.From((DrcType)5, 0);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Theory]
    [InlineData(0x0000_0001u)]
    [InlineData(0x3000_0000u)]
    [InlineData(0x5000_0000u)]
    [InlineData(0x6000_0000u)]
    [InlineData(0x7000_0000u)]
    [InlineData(0xA000_0000u)]
    [InlineData(0xF000_0000u)]
    [InlineData(0xDEAD_BEEFu)]
    public void FromValue_UnknownTopNibble_IsRefused(uint value)
    {
        var act = () => DrcIndex.FromValue(value);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*names no connector type*");
        DrcIndex.TryFromValue(value, out var index).Should().BeFalse();
        index.Should().Be(default(DrcIndex));
    }

    [Fact]
    public void Default_IsNoConnectorIndex()
    {
        default(DrcIndex).Value.Should().Be(0u);
        DrcIndex.TryFromValue(default(DrcIndex).Value, out _).Should().BeFalse();
    }

    [Theory]
    [InlineData("0x10000001", 0x1000_0001u)]
    [InlineData("0X8000000a", 0x8000_000Au)]
    [InlineData("268435457", 0x1000_0001u)]
    [InlineData("  0x40000020 ", 0x4000_0020u)]
    [InlineData("0x9FFFFFFF", 0x9FFF_FFFFu)]
    public void TryParse_HexOrDecimal_Parses(string text, uint expected)
    {
        DrcIndex.TryParse(text, out var index).Should().BeTrue();
        index.Value.Should().Be(expected);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("0x")]
    [InlineData("0x1_0000_0000")]
    [InlineData("4294967296")]
    [InlineData("-1")]
    [InlineData("+5")]
    [InlineData("10000001h")]
    [InlineData("cpu")]
    public void TryParse_NotA32BitNumber_ReturnsFalse(string? text)
    {
        DrcIndex.TryParse(text, out _).Should().BeFalse();
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0xFFFFFFFF")]
    [InlineData("0x30000001")]
    [InlineData("0x50000000")]
    public void TryParse_NumberNamingNoConnectorType_ReturnsFalse(string text)
    {
        DrcIndex.TryParse(text, out _).Should().BeFalse();
    }

    [Fact]
    public void ToString_IsEightHexDigitsWithPrefix()
    {
        DrcIndex.From(DrcType.Cpu, 1).ToString().Should().Be("0x10000001");
    }

    [Fact]
    public void CompareTo_OrdersByValue()
    {
        var cpu = DrcIndex.From(DrcType.Cpu, 5);
        var lmb = DrcIndex.From(DrcType.Lmb, 0);

        cpu.CompareTo(lmb).Should().BeNegative();
        (cpu < lmb).Should().BeTrue();
        (lmb >= cpu).Should().BeTrue();
    }
}
