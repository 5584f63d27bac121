using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Connectors;

/// <summary>The registry's copy-on-write lookup table: lock-free readers never see a dictionary being written.</summary>
public sealed class ConnectorTableTests
{
    [Fact]
    public void TryGetShared_AfterAdd_FindsTheNewConnector()
    {
        using var machine = new Machine();
        var registry = machine.Registry;
        registry.CreateConnector(DrcType.Lmb, 0);
        registry.TryGet(DrcIndex.From(DrcType.Lmb, 1), out _).Should().BeFalse();

        var added = registry.CreateConnector(DrcType.Lmb, 1);

        registry.TryGet(added.Index, out var found).Should().BeTrue();
        found.Should().BeSameAs(added);
    }

    [Fact]
    public void Remove_AfterASharedRead_IsSeenByTheNextSharedRead()
    {
        using var machine = new Machine();
        var registry = machine.Registry;
        var table = new ConnectorTable(new Lock());
        var drc = registry.CreateConnector(DrcType.Lmb, 0);
        table.Add(drc.Index.Value, drc);
        table.TryGetShared(drc.Index.Value, out _).Should().BeTrue();

        table.Remove(drc.Index.Value);

        table.TryGetShared(drc.Index.Value, out _).Should().BeFalse();
    }
}
