using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Registry;

public sealed class ConnectorCreationTests
{
    [Fact]
    public void CreateConnector_DuplicateIndex_ThrowsNamingTheConnector()
    {
        using var machine = new Machine();
        var registry = machine.Registry;
        registry.CreateConnector(DrcType.Cpu, 8);

        var act = () => registry.CreateConnector(DrcType.Cpu, 8);

        act.Should().Throw<InvalidOperationException>().WithMessage("*0x10000008*CPU 8*already exists*");
        registry.Count.Should().Be(1);
    }

    [Fact]
    public void CreateConnectors_RangeOverlapsExisting_CreatesNone()
    {
        using var machine = new Machine();
        var registry = machine.Registry;
        registry.CreateConnector(DrcType.Lmb, 10);

        var act = () => registry.CreateConnectors(DrcType.Lmb, 8, 4);

        act.Should().Throw<InvalidOperationException>().WithMessage("*0x8000000A*LMB 10*already exists*");
        registry.Count.Should().Be(1);
        registry.TryGet(DrcType.Lmb, 8, out _).Should().BeFalse();
        registry.TryGet(DrcType.Lmb, 9, out _).Should().BeFalse();
    }

    [Fact]
    public void CreateConnectors_Range_CreatesConsecutiveIdsInOrder()
    {
        using var machine = new Machine();
        var registry = machine.Registry;

        var created = registry.CreateConnectors(DrcType.Lmb, 8, 3);

        created.Select(c => c.Index.Value).Should().Equal(0x8000_0008u, 0x8000_0009u, 0x8000_000Au);
        created.Select(c => c.Name).Should().Equal("LMB 8", "LMB 9", "LMB 10");
    }

    [Fact]
    public void CreateConnectors_RangePast28Bits_ThrowsAndCreatesNone()
    {
        using var machine = new Machine();
        var registry = machine.Registry;

        var act = () => registry.CreateConnectors(DrcType.Lmb, 0x0FFF_FFFE, 3);

        act.Should().Throw<ArgumentOutOfRangeException>();
        registry.Count.Should().Be(0);
    }

    [Fact]
    public void CreateConnector_Vio_Throws()
    {
        using var machine = new Machine();
        var registry = machine.Registry;

        var act = () => registry.CreateConnector(DrcType.Vio, 0);

        act.Should().Throw<ArgumentOutOfRangeException>();
        registry.Count.Should().Be(0);
    }

    [Fact]
    public void CreateConnector_IdOver28Bits_Throws()
    {
        using var machine = new Machine();
        var registry = machine.Registry;

        var act = () => registry.CreateConnector(DrcType.Cpu, 0x1000_0000);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void TryGet_ByIndexAndByTypeAndId_FindTheSameConnector()
    {
        using var machine = new Machine();
        var registry = machine.Registry;
        var pci = registry.CreateConnector(DrcType.Pci, 0x20);

        registry.TryGet(new DrcIndex(0x4000_0020), out var byIndex).Should().BeTrue();
        registry.TryGet(DrcType.Pci, 0x20, out var byTypeId).Should().BeTrue();

        byIndex.Should().BeSameAs(pci);
        byTypeId.Should().BeSameAs(pci);
        registry[DrcType.Pci, 0x20].Should().BeSameAs(pci);
        registry[pci.Index].Should().BeSameAs(pci);
    }

    [Fact]
    public void TryGet_MissingOrInvalid_ReturnsFalseWithoutThrowing()
    {
        using var machine = new Machine();
        var registry = machine.Registry;
        registry.CreateConnector(DrcType.Cpu, 1);

        registry.TryGet(DrcType.Cpu, 2, out _).Should().BeFalse();
        registry.TryGet(DrcType.Vio, 1, out _).Should().BeFalse();
        registry.TryGet(DrcType.Cpu, 0x1000_0000, out _).Should().BeFalse();
        registry.TryGet(new DrcIndex(0xDEAD_BEEF), out _).Should().BeFalse();
    }

    [Fact]
    public void Indexer_Missing_ThrowsKeyNotFound()
    {
        using var machine = new Machine();
        var registry = machine.Registry;

        var act = () => registry[DrcType.Cpu, 3];

        act.Should().Throw<KeyNotFoundException>().WithMessage("*0x10000003*");
    }

    [Fact]
    public void Connectors_CreatedOutOfOrder_EnumerateInIndexOrder()
    {
        using var machine = new Machine();
        var registry = machine.Registry;
        registry.CreateConnector(DrcType.Lmb, 9);
        registry.CreateConnector(DrcType.Pci, 0x20);
        registry.CreateConnector(DrcType.Cpu, 8);
        registry.CreateConnector(DrcType.Pmem, 0);
        registry.CreateConnector(DrcType.Cpu, 1);
        registry.CreateConnector(DrcType.Phb, 1);
        registry.CreateConnector(DrcType.Lmb, 8);

        registry.Connectors.Select(c => c.Index.Value).Should().Equal(
            0x1000_0001u, 0x1000_0008u, 0x2000_0001u, 0x4000_0020u, 0x8000_0008u, 0x8000_0009u, 0x9000_0000u);
    }
}
