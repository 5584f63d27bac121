namespace Spapr.Drc.Tests.Connectors;

/// <summary>The registry's copy-on-write lookup table: lock-free readers never see a dictionary being written.</summary>
public sealed class ConnectorTableTests
{
    [Fact]
    public void TryGetShared_AfterAdd_FindsTheNewConnector()
    {
        using var registry = new DrcRegistry();
        registry.CreateConnector(DrcType.Lmb, 0);
        registry.TryGet(DrcIndex.From(DrcType.Lmb, 1), out _).Should().BeFalse();

        var added = registry.CreateConnector(DrcType.Lmb, 1);

        registry.TryGet(added.Index, out var found).Should().BeTrue();
        found.Should().BeSameAs(added);
    }

    [Fact]
    public void Remove_AfterASharedRead_IsSeenByTheNextSharedRead()
    {
        using var registry = new DrcRegistry();
        var table = new ConnectorTable(new object());
        var drc = registry.CreateConnector(DrcType.Lmb, 0);
        table.Add(drc.Index.Value, drc);
        table.TryGetShared(drc.Index.Value, out _).Should().BeTrue();

        table.Remove(drc.Index.Value);

        table.TryGetShared(drc.Index.Value, out _).Should().BeFalse();
    }

    [Fact]
    public async Task TryGet_WhileConnectorsAreCreated_NeverFailsForAnExistingConnector()
    {
        using var registry = new DrcRegistry();
        const int Count = 4096;
        int created = 0;
        var writer = Task.Run(() =>
        {
            for (uint i = 0; i < Count; i++)
            {
                registry.CreateConnector(DrcType.Lmb, i);
                Volatile.Write(ref created, (int)i + 1);
            }
        });

        int misses = 0;
        while (!writer.IsCompleted)
        {
            int known = Volatile.Read(ref created);
            for (uint i = 0; i < known; i++)
            {
                if (!registry.TryGet(DrcIndex.From(DrcType.Lmb, i), out _))
                {
                    misses++;
                }
            }
        }

        await writer;
        misses.Should().Be(0);
        registry.Count.Should().Be(Count);
    }
}
