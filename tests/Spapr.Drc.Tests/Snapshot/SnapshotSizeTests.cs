using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Snapshot;

/// <summary>SPEC section 7: a connector in its cold-plug state costs nothing; a pending one costs a fixed few bytes.</summary>
public sealed class SnapshotSizeTests
{
    private const int Lmbs = 16_384;

    /// <summary>A pending single-connector device: its connector record plus an unplug record with one run of each kind.</summary>
    private const int BytesPerPendingDevice = SnapshotFormat.ConnectorRecordSize + SnapshotFormat.UnplugRecordSize + (2 * SnapshotFormat.RunSize);

    [Fact]
    public void SaveSnapshot_16384ColdPluggedLmbs_IsHeaderSized()
    {
        using var machine = DimmMachine(lmbsPerDevice: 16);
        var registry = machine.Registry;

        registry.SaveSnapshot().Should().HaveCount(SnapshotFormat.MinimalStreamSize).And.HaveCount(45);
    }

    [Fact]
    public void SaveSnapshot_EachPendingSingleLmbDevice_Adds68BytesPlusItsQueuedRemoveEvent()
    {
        using var machine = DimmMachine(lmbsPerDevice: 1);
        var registry = machine.Registry;
        registry.RequestUnplug(DrcIndex.From(DrcType.Lmb, 0));
        int previous = registry.SaveSnapshot().Length;

        for (uint id = 1; id <= 8; id++)
        {
            registry.RequestUnplug(DrcIndex.From(DrcType.Lmb, id * 1000));
            int size = registry.SaveSnapshot().Length;
            (size - previous).Should().Be(BytesPerPendingDevice + SnapshotFormat.EventRecordSize).And.Be(68 + 24);
            previous = size;
        }
    }

    [Fact]
    public void SaveSnapshot_GuestTakesTheRemoveEvents_EachRequestTradesIts24ByteEventFor20BytesOfDetails()
    {
        using var machine = DimmMachine(lmbsPerDevice: 1);
        var registry = machine.Registry;
        for (uint id = 0; id < 8; id++)
        {
            registry.RequestUnplug(DrcIndex.From(DrcType.Lmb, id * 1000));
        }

        int queued = registry.SaveSnapshot().Length;
        DrainEvents(registry);

        // The events section (header 8, count 4, 8 x 24) goes; the optional details section (header 8, two counts 8, 8 x 20) comes.
        (registry.SaveSnapshot().Length - queued).Should().Be(SnapshotFormat.SectionHeaderSize + 8 + (8 * SnapshotFormat.RequestDetailSize) - (SnapshotFormat.SectionHeaderSize + 4 + (8 * SnapshotFormat.EventRecordSize)))
            .And.Be(176 - 204);
    }

    [Fact]
    public void SaveSnapshot_EachLmbOfAPendingMemoryDevice_Adds7Bytes()
    {
        using var smallMachine = DimmMachine(lmbsPerDevice: 16);
        using var largeMachine = DimmMachine(lmbsPerDevice: 64);
        var small = smallMachine.Registry;
        var large = largeMachine.Registry;
        small.RequestUnplug(DrcIndex.From(DrcType.Lmb, 0));
        large.RequestUnplug(DrcIndex.From(DrcType.Lmb, 0));

        (large.SaveSnapshot().Length - small.SaveSnapshot().Length).Should().Be((64 - 16) * SnapshotFormat.ConnectorRecordSize);
    }

    [Fact]
    public void SaveSnapshot_EachQueuedEvent_Adds24Bytes()
    {
        using var machine = DimmMachine(lmbsPerDevice: 1);
        var registry = machine.Registry;
        registry.CreateConnectors(DrcType.Cpu, 1, 2);
        registry.Attach(DrcIndex.From(DrcType.Cpu, 1), "core1", null, PlugMode.Hot);
        registry.Attach(DrcIndex.From(DrcType.Cpu, 2), "core2", null, PlugMode.Hot);
        int withTwo = registry.SaveSnapshot().Length;
        registry.Rtas.CheckException(uint.MaxValue, new byte[DrcRtas.EventLogSize], out _).Should().Be(RtasStatus.Success);

        (withTwo - registry.SaveSnapshot().Length).Should().Be(SnapshotFormat.EventRecordSize).And.Be(24);
    }

    /// <summary>The guest fetches the Remove events, so that only the pending connectors remain to measure.</summary>
    private static void DrainEvents(DrcRegistry registry)
    {
        var log = new byte[DrcRtas.EventLogSize];
        while (registry.Rtas.CheckException(uint.MaxValue, log, out _) == RtasStatus.Success)
        {
        }
    }

    private static Machine DimmMachine(int lmbsPerDevice)
    {
        var machine = new Machine(start: SnapshotTestKit.Start);
        var registry = machine.Registry;
        registry.CreateConnectors(DrcType.Lmb, 0, Lmbs);
        for (uint id = 0; id < Lmbs; id += (uint)lmbsPerDevice)
        {
            registry.AttachMemoryDevice(DrcIndex.From(DrcType.Lmb, id), lmbsPerDevice, "dimm" + id, null, PlugMode.Cold);
        }

        return machine;
    }
}
