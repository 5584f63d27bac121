using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Snapshot;

/// <summary>
/// The registry's list of connectors that may differ from cold plug (issue 8): a snapshot writes and a load resets
/// only those, so it must hold every such connector, drop the ones that went back, and stay bounded.
/// </summary>
public sealed class ChangedConnectorsTests
{
    private const int Lmbs = 4096;

    [Fact]
    public void SaveSnapshot_ConnectorsThatWentBackToColdPlug_CostNothing()
    {
        using var machine = LmbMachine();
        var registry = machine.Registry;
        for (uint id = 0; id < 64; id++)
        {
            registry.RequestUnplug(DrcIndex.From(DrcType.Lmb, id), Timeout.InfiniteTimeSpan).Status.Should().Be(UnplugRequestStatus.Requested);
        }

        registry.SaveSnapshot().Length.Should().BeGreaterThan(SnapshotFormat.MinimalStreamSize);

        // The guest releases every one, the host plugs the same devices back cold: the machine is as it started.
        for (uint id = 0; id < 64; id++)
        {
            var index = DrcIndex.From(DrcType.Lmb, id);
            registry.Rtas.SetIndicator(9001, index.Value, 0).Should().Be(RtasStatus.Success);
            registry.Rtas.SetIndicator(9003, index.Value, 0).Should().Be(RtasStatus.Success);
            registry.Attach(index, "lmb" + id, null, PlugMode.Cold);
        }

        registry.Reset();

        registry.SaveSnapshot().Should().HaveCount(SnapshotFormat.MinimalStreamSize);
        registry.Changes.Current().Length.Should().Be(0, "nothing differs from cold plug any more");
        registry.AssertInvariants();
    }

    [Fact]
    public void ChangeList_ManyPlugAndUnplugCycles_ListsEachConnectorAtMostOnce_AndASaveLeavesOnlyTheChangedOnes()
    {
        using var machine = LmbMachine();
        var registry = machine.Registry;
        for (int cycle = 0; cycle < 6; cycle++)
        {
            for (uint id = 0; id < Lmbs; id++)
            {
                var index = DrcIndex.From(DrcType.Lmb, id);
                registry.RequestUnplug(index, Timeout.InfiniteTimeSpan);
                registry.Rtas.SetIndicator(9001, index.Value, 0);
                registry.Rtas.SetIndicator(9003, index.Value, 0);
                registry.Attach(index, "lmb" + id, null, cycle % 2 == 0 ? PlugMode.Cold : PlugMode.Hot);
            }

            int changed = registry.Connectors.Count(c => !c.IsInColdPlugState);
            registry.Changes.Count.Should().BeLessThanOrEqualTo(Lmbs, $"cycle {cycle}: a connector is listed once however often it changes");
            registry.AssertInvariants();
            registry.SaveSnapshot();
            registry.Changes.Count.Should().Be(changed, $"cycle {cycle}: the save dropped the connectors back in cold plug");
            registry.AssertInvariants();
        }
    }

    [Fact]
    public void ChangeList_PciSlotsCreatedAndRemovedOverAndOver_StaysBounded()
    {
        // Removed connectors never change again, so only the prune on growth can drop them.
        using var machine = new Machine();
        var phb = machine.Create(DrcType.Phb, 1);
        for (int round = 0; round < 300; round++)
        {
            machine.ColdPlug(phb);
            machine.RequestUnplug(phb).Status.Should().Be(UnplugRequestStatus.Requested);
            var slots = Enumerable.Range(0, 8).Select(slot => machine.Create(DrcType.Pci, 0x1_0000 + (uint)(8 * slot), phb.Index)).ToList();
            foreach (var slot in slots)
            {
                machine.HotPlug(slot);
            }

            machine.Isolate(phb).Should().Be(RtasStatus.Success);
            machine.Unusable(phb).Should().Be(RtasStatus.Success);
            machine.Registry.TryGet(slots[0].Index, out _).Should().BeFalse();
        }

        machine.Registry.Changes.Count.Should().BeLessThanOrEqualTo(2 * 1024, "300 rounds created 2,400 PCI connectors, all gone");
        machine.Registry.AssertInvariants();
    }

    [Fact]
    public void SaveSnapshot_ListInAnotherOrderThanTheIndexes_WritesRecordsInIndexOrder()
    {
        using var machine = LmbMachine();
        var registry = machine.Registry;
        uint[] ids = [4000, 17, 2048, 3, 900];
        foreach (var id in ids)
        {
            registry.RequestUnplug(DrcIndex.From(DrcType.Lmb, id), TimeSpan.FromSeconds(id + 1)).Status.Should().Be(UnplugRequestStatus.Requested);
        }

        using var destinationMachine = SnapshotTestKit.Destination(registry);
        var destination = destinationMachine.Registry;
        destination.LoadSnapshot(registry.SaveSnapshot());

        destination.GetPendingUnplugs().Select(p => p.Index.Id).Should().BeEquivalentTo(ids);
        destination.Connectors.Where(c => !c.IsInColdPlugState).Select(c => c.Id).Should().BeInAscendingOrder().And.BeEquivalentTo(ids);
        destination.SaveSnapshot().Should().Equal(registry.SaveSnapshot(), "the destination's own list gives the same stream");
        destination.AssertInvariants();
    }

    [Fact]
    public void SaveSnapshot_PciConnectorsLeftWithTheirPhb_AreNotWritten()
    {
        using var machine = new Machine();
        var phb = machine.InState(DrcType.Phb, 1, DrcState.LogicalConfigured, pending: true);
        var slots = machine.Registry.CreateConnectors(DrcType.Pci, 0x1_0000, 2, phb.Index);
        machine.HotPlug(slots[0]);
        slots[0].IsInColdPlugState.Should().BeFalse("a hot-plugged function the guest has not configured differs from cold plug");

        machine.Isolate(phb).Should().Be(RtasStatus.Success);
        machine.Unusable(phb).Should().Be(RtasStatus.Success);

        // The stream names only connectors this registry still has, and counts only its devices.
        using var destinationMachine = SnapshotTestKit.Destination(machine.Registry);
        var destination = destinationMachine.Registry;
        destination.Count.Should().Be(machine.Registry.Count);
        destination.LoadSnapshot(machine.Registry.SaveSnapshot());
        destination.Connectors.Should().OnlyContain(c => c.IsInColdPlugState);
        machine.Registry.AssertInvariants();
    }

    [Fact]
    public void LoadSnapshot_ReplacesTheTimers_OldDeadlinesFireNothingAndRestoredOnesFireOnce()
    {
        using var sourceMachine = LmbMachine();
        var source = sourceMachine.Registry;
        source.RequestUnplug(DrcIndex.From(DrcType.Lmb, 7), TimeSpan.FromSeconds(30)).Status.Should().Be(UnplugRequestStatus.Requested);
        var stream = source.SaveSnapshot();

        using var destinationMachine = SnapshotTestKit.Destination(source);
        var destination = destinationMachine.Registry;
        var clock = destinationMachine.Clock;
        var timedOut = new List<DrcIndex>();
        destination.UnplugTimedOut += (_, e) => timedOut.Add(e.Index);
        destination.RequestUnplug(DrcIndex.From(DrcType.Lmb, 1), TimeSpan.FromSeconds(5)).Status.Should().Be(UnplugRequestStatus.Requested);
        destination.RequestUnplug(DrcIndex.From(DrcType.Lmb, 2), TimeSpan.FromSeconds(40)).Status.Should().Be(UnplugRequestStatus.Requested);

        destination.LoadSnapshot(stream);

        clock.Advance(TimeSpan.FromSeconds(29));
        timedOut.Should().BeEmpty("the requests the load replaced keep no timer");
        clock.Advance(TimeSpan.FromSeconds(1));
        timedOut.Should().Equal(DrcIndex.From(DrcType.Lmb, 7));
        clock.Advance(TimeSpan.FromSeconds(60));
        timedOut.Should().ContainSingle();
        destination.AssertInvariants();
    }

    [Fact]
    public void LoadSnapshot_WithoutTimers_StopsTheArmedOne()
    {
        using var sourceMachine = LmbMachine();
        var source = sourceMachine.Registry;
        var stream = source.SaveSnapshot();
        using var destinationMachine = SnapshotTestKit.Destination(source);
        var destination = destinationMachine.Registry;
        var clock = destinationMachine.Clock;
        int timedOut = 0;
        destination.UnplugTimedOut += (_, _) => timedOut++;
        destination.RequestUnplug(DrcIndex.From(DrcType.Lmb, 1), TimeSpan.FromSeconds(5));

        destination.LoadSnapshot(stream);
        clock.Advance(TimeSpan.FromMinutes(1));

        timedOut.Should().Be(0);
        destination.GetPendingUnplugs().Should().BeEmpty();
        destination.SaveSnapshot().Should().HaveCount(SnapshotFormat.MinimalStreamSize);
    }

    private static Machine LmbMachine()
    {
        var machine = new Machine(start: SnapshotTestKit.Start);
        var registry = machine.Registry;
        registry.CreateConnectors(DrcType.Lmb, 0, Lmbs);
        for (uint id = 0; id < Lmbs; id++)
        {
            registry.Attach(DrcIndex.From(DrcType.Lmb, id), "lmb" + id, null, PlugMode.Cold);
        }

        return machine;
    }
}
