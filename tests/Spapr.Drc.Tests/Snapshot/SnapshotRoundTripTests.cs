using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Snapshot;

/// <summary>SPEC section 7: what travels, and how timers continue after a load.</summary>
public sealed class SnapshotRoundTripTests
{
    [Fact]
    public void SaveSnapshot_ColdPluggedMachine_IsHeaderSized()
    {
        using var machine = new Machine(start: SnapshotTestKit.Start);
        var registry = machine.Registry;
        registry.CreateConnectors(DrcType.Cpu, 0, 4);
        registry.Attach(DrcIndex.From(DrcType.Cpu, 0), "core0", null, PlugMode.Cold);
        registry.CreateConnectors(DrcType.Pci, 0, 8);
        registry.Attach(DrcIndex.From(DrcType.Pci, 0), "nic", null, PlugMode.Cold);

        registry.SaveSnapshot().Should().HaveCount(SnapshotFormat.MinimalStreamSize);
    }

    [Fact]
    public void LoadSnapshot_PendingCpuTimerResumeRemaining_FiresAtTheSourceTime()
    {
        using var sourceMachine = new Machine(start: SnapshotTestKit.Start);
        var source = sourceMachine.Registry;
        var clock = sourceMachine.Clock;
        source.CreateConnectors(DrcType.Cpu, 0, 2);
        var cpu1 = DrcIndex.From(DrcType.Cpu, 1);
        source.Attach(cpu1, "core1", null, PlugMode.Cold);
        source.RequestUnplug(cpu1);
        clock.Advance(TimeSpan.FromSeconds(6));

        using var destinationMachine = SnapshotTestKit.Destination(source);
        var destination = destinationMachine.Registry;
        var destinationClock = destinationMachine.Clock;
        destination.LoadSnapshot(source.SaveSnapshot());
        DateTimeOffset? firedAt = null;
        destination.UnplugTimedOut += (_, e) => firedAt = destinationClock.GetUtcNow();

        destination[cpu1].UnplugTimeRemaining.Should().Be(TimeSpan.FromSeconds(9));
        destinationClock.Advance(TimeSpan.FromSeconds(8.999));
        firedAt.Should().BeNull();
        destinationClock.Advance(TimeSpan.FromMilliseconds(1));
        firedAt.Should().Be(SnapshotTestKit.Start + TimeSpan.FromSeconds(15));
    }

    [Fact]
    public void LoadSnapshot_PendingCpuTimerRestartFull_FiresAFullTimeoutAfterLoad()
    {
        using var sourceMachine = new Machine(start: SnapshotTestKit.Start);
        var source = sourceMachine.Registry;
        var clock = sourceMachine.Clock;
        source.CreateConnectors(DrcType.Cpu, 0, 2);
        var cpu1 = DrcIndex.From(DrcType.Cpu, 1);
        source.Attach(cpu1, "core1", null, PlugMode.Cold);
        source.RequestUnplug(cpu1);
        clock.Advance(TimeSpan.FromSeconds(6));

        using var destinationMachine = SnapshotTestKit.Destination(source);
        var destination = destinationMachine.Registry;
        var destinationClock = destinationMachine.Clock;
        destination.LoadSnapshot(source.SaveSnapshot(), new SnapshotLoadOptions { TimerMode = SnapshotTimerMode.RestartFull });
        DateTimeOffset? firedAt = null;
        destination.UnplugTimedOut += (_, e) => firedAt = destinationClock.GetUtcNow();
        destinationClock.Advance(TimeSpan.FromSeconds(15));

        firedAt.Should().Be(SnapshotTestKit.Start + TimeSpan.FromSeconds(6 + 15));
    }

    [Fact]
    public void LoadSnapshot_PendingMemoryDevice_RestoresOneRequestOverItsLmbs()
    {
        using var sourceMachine = new Machine(start: SnapshotTestKit.Start);
        var source = sourceMachine.Registry;
        var clock = sourceMachine.Clock;
        source.CreateConnectors(DrcType.Lmb, 0, 8);
        var first = DrcIndex.From(DrcType.Lmb, 2);
        source.AttachMemoryDevice(first, 4, "dimm0", null, PlugMode.Cold);
        source.RequestUnplug(DrcIndex.From(DrcType.Lmb, 3));
        var snapshot = source.SaveSnapshot();

        using var destinationMachine = SnapshotTestKit.Destination(source);
        var destination = destinationMachine.Registry;
        destination.LoadSnapshot(snapshot);

        var pending = destination.GetPendingUnplugs();
        pending.Should().ContainSingle();
        pending[0].Waiting.Should().Equal(Enumerable.Range(2, 4).Select(i => DrcIndex.From(DrcType.Lmb, (uint)i)));
        pending[0].Device.Should().Be("dimm0");
        destination.SaveSnapshot().Should().Equal(snapshot);
    }

    [Fact]
    public void LoadSnapshot_MemoryDevicePartlyReleased_DetachesTheReleasedLmbs()
    {
        using var sourceMachine = new Machine(start: SnapshotTestKit.Start);
        var source = sourceMachine.Registry;
        var clock = sourceMachine.Clock;
        source.CreateConnectors(DrcType.Lmb, 0, 4);
        var lmb0 = DrcIndex.From(DrcType.Lmb, 0);
        source.AttachMemoryDevice(lmb0, 4, "dimm0", null, PlugMode.Cold);
        source.RequestUnplug(lmb0);
        source.Rtas.SetIndicator((uint)RtasIndicator.Isolation, lmb0.Value, 0).Should().Be(RtasStatus.Success);
        source.Rtas.SetIndicator((uint)RtasIndicator.Allocation, lmb0.Value, 0).Should().Be(RtasStatus.Success);
        var snapshot = source.SaveSnapshot();

        using var destinationMachine = SnapshotTestKit.Destination(source);
        var destination = destinationMachine.Registry;
        destination.LoadSnapshot(snapshot);

        destination[lmb0].Device.Should().BeNull();
        destination.GetPendingUnplugs().Single().Waiting.Should().HaveCount(3);
        destination.SaveSnapshot().Should().Equal(snapshot);
    }

    [Fact]
    public void LoadSnapshot_QueuedEventsAndCounters_TravelExactly()
    {
        using var sourceMachine = new Machine(start: SnapshotTestKit.Start);
        var source = sourceMachine.Registry;
        var clock = sourceMachine.Clock;
        source.CreateConnectors(DrcType.Cpu, 0, 4);
        source.NegotiateClientArchitecture();
        source.Attach(DrcIndex.From(DrcType.Cpu, 2), "core2", null, PlugMode.Hot);
        clock.Advance(TimeSpan.FromSeconds(3));
        source.Attach(DrcIndex.From(DrcType.Cpu, 3), "core3", null, PlugMode.Hot);
        var snapshot = source.SaveSnapshot();

        using var destinationMachine = SnapshotTestKit.Destination(source);
        var destination = destinationMachine.Registry;
        destination.LoadSnapshot(snapshot);

        destination.GetQueuedEvents().Should().Equal(source.GetQueuedEvents());
        destination.HotplugEventsNegotiated.Should().BeTrue();
        destination[DrcIndex.From(DrcType.Cpu, 2)].State.Should().Be(DrcState.LogicalUnusable);
        destination.SaveSnapshot().Should().Equal(snapshot);
    }

    [Fact]
    public void LoadSnapshot_InterruptedConfigureConnector_ResumesAtTheSameCursor()
    {
        using var sourceMachine = new Machine(start: SnapshotTestKit.Start);
        var source = sourceMachine.Registry;
        var clock = sourceMachine.Clock;
        source.CreateConnectors(DrcType.Pci, 0, 1);
        var slot = DrcIndex.From(DrcType.Pci, 0);
        source.Attach(slot, "nic", Fragments.Nested("nic"), PlugMode.Hot);
        source.Rtas.SetIndicator((uint)RtasIndicator.Isolation, slot.Value, 1).Should().Be(RtasStatus.Success);
        sourceMachine.ConfigureOnce(slot).Should().Be(ConfigureConnectorStatus.NextChild);
        sourceMachine.ConfigureOnce(slot).Should().Be(ConfigureConnectorStatus.NextProperty);
        var snapshot = source.SaveSnapshot();

        using var destinationMachine = SnapshotTestKit.Destination(source);
        var destination = destinationMachine.Registry;
        destination.LoadSnapshot(snapshot);

        destinationMachine.ConfigureOnce(slot).Should().Be(sourceMachine.ConfigureOnce(slot));
        destination.SaveSnapshot().Should().Equal(source.SaveSnapshot());
    }

    [Fact]
    public void LoadSnapshot_UnknownOptionalSection_IsSkipped()
    {
        using var sourceMachine = new Machine(start: SnapshotTestKit.Start);
        var source = sourceMachine.Registry;
        var clock = sourceMachine.Clock;
        source.CreateConnectors(DrcType.Cpu, 0, 2);
        source.Attach(DrcIndex.From(DrcType.Cpu, 1), "core1", null, PlugMode.Cold);
        source.RequestUnplug(DrcIndex.From(DrcType.Cpu, 1));
        var snapshot = source.SaveSnapshot();
        var sections = SnapshotTestKit.Sections(snapshot);
        sections.Insert(1, new SnapshotTestKit.Section(0x7F01, 0, [1, 2, 3, 4, 5]));
        var extended = SnapshotTestKit.Assemble(sections);

        using var destinationMachine = SnapshotTestKit.Destination(source);
        var destination = destinationMachine.Registry;
        destination.LoadSnapshot(extended);

        destination.SaveSnapshot().Should().Equal(snapshot);
    }

    [Fact]
    public void LoadSnapshot_FromStream_MatchesSpanLoad()
    {
        using var sourceMachine = new Machine(start: SnapshotTestKit.Start);
        var source = sourceMachine.Registry;
        var clock = sourceMachine.Clock;
        source.CreateConnectors(DrcType.Cpu, 0, 2);
        source.Attach(DrcIndex.From(DrcType.Cpu, 1), "core1", null, PlugMode.Hot);
        using var stream = new MemoryStream();
        source.SaveSnapshot(stream);
        stream.Position = 0;

        using var destinationMachine = SnapshotTestKit.Destination(source);
        var destination = destinationMachine.Registry;
        destination.LoadSnapshot(stream);

        destination.SaveSnapshot().Should().Equal(source.SaveSnapshot());
    }

    [Fact]
    public void LoadSnapshot_RegistryWithOwnPendingUnplug_DropsItForTheStreamsState()
    {
        using var sourceMachine = new Machine(start: SnapshotTestKit.Start);
        var source = sourceMachine.Registry;
        var clock = sourceMachine.Clock;
        source.CreateConnectors(DrcType.Cpu, 0, 2);
        source.Attach(DrcIndex.From(DrcType.Cpu, 1), "core1", null, PlugMode.Cold);
        using var destinationMachine = SnapshotTestKit.Destination(source);
        var destination = destinationMachine.Registry;
        var destinationClock = destinationMachine.Clock;
        destination.RequestUnplug(DrcIndex.From(DrcType.Cpu, 1));
        int timeouts = 0;
        destination.UnplugTimedOut += (_, _) => timeouts++;

        destination.LoadSnapshot(source.SaveSnapshot());
        destinationClock.Advance(TimeSpan.FromSeconds(30));

        destination.GetPendingUnplugs().Should().BeEmpty();
        timeouts.Should().Be(0);
        destination.AssertInvariants();
    }
}
