using Microsoft.Extensions.Time.Testing;

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
        using var registry = Machine(lmbsPerDevice: 16);

        registry.SaveSnapshot().Should().HaveCount(SnapshotFormat.MinimalStreamSize).And.HaveCount(45);
    }

    [Fact]
    public void SaveSnapshot_EachPendingSingleLmbDevice_Adds68Bytes()
    {
        using var registry = Machine(lmbsPerDevice: 1);
        registry.RequestUnplug(DrcIndex.From(DrcType.Lmb, 0));
        DrainEvents(registry);
        int previous = registry.SaveSnapshot().Length;

        for (uint id = 1; id <= 8; id++)
        {
            registry.RequestUnplug(DrcIndex.From(DrcType.Lmb, id * 1000));
            DrainEvents(registry);
            int size = registry.SaveSnapshot().Length;
            (size - previous).Should().Be(BytesPerPendingDevice).And.Be(68);
            previous = size;
        }
    }

    [Fact]
    public void SaveSnapshot_EachLmbOfAPendingMemoryDevice_Adds7Bytes()
    {
        using var small = Machine(lmbsPerDevice: 16);
        using var large = Machine(lmbsPerDevice: 64);
        small.RequestUnplug(DrcIndex.From(DrcType.Lmb, 0));
        large.RequestUnplug(DrcIndex.From(DrcType.Lmb, 0));

        (large.SaveSnapshot().Length - small.SaveSnapshot().Length).Should().Be((64 - 16) * SnapshotFormat.ConnectorRecordSize);
    }

    [Fact]
    public void SaveSnapshot_EachQueuedEvent_Adds24Bytes()
    {
        using var registry = Machine(lmbsPerDevice: 1);
        registry.RequestUnplug(DrcIndex.From(DrcType.Lmb, 0));
        registry.RequestUnplug(DrcIndex.From(DrcType.Lmb, 1));
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

    private static DrcRegistry Machine(int lmbsPerDevice)
    {
        var registry = new DrcRegistry(timeProvider: new FakeTimeProvider(SnapshotTestKit.Start));
        registry.CreateConnectors(DrcType.Lmb, 0, Lmbs);
        for (uint id = 0; id < Lmbs; id += (uint)lmbsPerDevice)
        {
            registry.AttachMemoryDevice(DrcIndex.From(DrcType.Lmb, id), lmbsPerDevice, "dimm" + id, null, PlugMode.Cold);
        }

        return registry;
    }
}
