using System.Buffers.Binary;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>
/// A registry on a fake clock with a fake logger, every unplug notification recorded, and the guest's RTAS
/// sequences (acquire, release, reject) so the unplug tests read like SPEC sections 3, 5 and 6.
/// </summary>
internal sealed class UnplugHarness : IDisposable
{
    public const uint Isolation = 9001;
    public const uint Allocation = 9003;

    private readonly List<(string Kind, UnplugEventArgs Args)> _notifications = [];

    public UnplugHarness(DrcOptions? options = null, TimeProvider? clock = null)
    {
        Clock = new FakeTimeProvider();
        Logger = new FakeLogger();
        Registry = new DrcRegistry(options, clock ?? Clock, Logger);
        Registry.UnplugCompleted += (_, e) => Record("UnplugCompleted", e);
        Registry.UnplugTimedOut += (_, e) => Record("UnplugTimedOut", e);
        Registry.UnplugRejectedByGuest += (_, e) => Record("UnplugRejectedByGuest", e);
        Registry.UnplugCancelled += (_, e) => Record("UnplugCancelled", e);
    }

    public FakeTimeProvider Clock { get; }

    public FakeLogger Logger { get; }

    public DrcRegistry Registry { get; }

    public IReadOnlyList<(string Kind, UnplugEventArgs Args)> Notifications
    {
        get
        {
            lock (_notifications)
            {
                return [.. _notifications];
            }
        }
    }

    public IReadOnlyList<UnplugEventArgs> Completed => Of("UnplugCompleted");

    public IReadOnlyList<UnplugEventArgs> TimedOut => Of("UnplugTimedOut");

    public IReadOnlyList<UnplugEventArgs> Rejected => Of("UnplugRejectedByGuest");

    public IReadOnlyList<UnplugEventArgs> Cancelled => Of("UnplugCancelled");

    public static DeviceTreeNode Fragment(string name) => new DeviceTreeNode(name).Add(DeviceTreeProperty.FromCells("reg", 1));

    /// <summary>Hot-plugs a device on a new connector and, unless told otherwise, lets the guest take it.</summary>
    public DrcIndex HotPlug(DrcType type, uint id, bool acquire = true, object? device = null, DrcIndex? owner = null)
    {
        var drc = Registry.CreateConnector(type, id, owner);
        Registry.Attach(drc.Index, device ?? $"{type} device {id}", Fragment("dev@" + id), PlugMode.Hot);
        if (acquire)
        {
            Acquire(drc.Index);
        }

        return drc.Index;
    }

    /// <summary>Creates <paramref name="count"/> LMB connectors, hot-plugs one memory device over them, and lets the guest take every LMB.</summary>
    public DrcIndex HotPlugMemory(uint firstId, int count, bool acquire = true, object? device = null)
    {
        var lmbs = Registry.CreateConnectors(DrcType.Lmb, firstId, count);
        Registry.AttachMemoryDevice(lmbs[0].Index, count, device ?? "DIMM", i => Fragment("lmb@" + i.Id), PlugMode.Hot);
        if (acquire)
        {
            foreach (var lmb in lmbs)
            {
                Acquire(lmb.Index);
            }
        }

        return lmbs[0].Index;
    }

    /// <summary>The guest takes a hot-plugged device: (usable,) unisolate, configure-connector to the end.</summary>
    public void Acquire(DrcIndex index)
    {
        var drc = Registry[index];
        if (drc.Class == DrcClass.Logical)
        {
            Registry.Rtas.SetIndicator(Allocation, index.Value, 1).Should().Be(RtasStatus.Success);
        }

        Registry.Rtas.SetIndicator(Isolation, index.Value, 1).Should().Be(RtasStatus.Success);
        ConfigureToEnd(index).Should().Be(ConfigureConnectorStatus.Success);
    }

    /// <summary>The guest gives a device back: isolate, then (logical) unusable.</summary>
    public void GuestRelease(DrcIndex index)
    {
        Registry.Rtas.SetIndicator(Isolation, index.Value, 0).Should().Be(RtasStatus.Success);
        if (Registry[index].Class == DrcClass.Logical)
        {
            Registry.Rtas.SetIndicator(Allocation, index.Value, 0).Should().Be(RtasStatus.Success);
        }
    }

    public RtasStatus Unisolate(DrcIndex index) => Registry.Rtas.SetIndicator(Isolation, index.Value, 1);

    public ConfigureConnectorStatus ConfigureOnce(DrcIndex index)
    {
        var workArea = new byte[DrcRtas.WorkAreaSize];
        BinaryPrimitives.WriteUInt32BigEndian(workArea, index.Value);
        return Registry.Rtas.ConfigureConnector(workArea);
    }

    public ConfigureConnectorStatus ConfigureToEnd(DrcIndex index)
    {
        for (int i = 0; i < 100; i++)
        {
            var status = ConfigureOnce(index);
            if (status is not (ConfigureConnectorStatus.NextChild or ConfigureConnectorStatus.NextProperty or ConfigureConnectorStatus.PreviousParent))
            {
                return status;
            }
        }

        throw new InvalidOperationException("configure-connector never finished.");
    }

    public IReadOnlyList<HotplugEvent> RemoveEvents() =>
        Registry.GetQueuedEvents().Where(e => e.Action == HotplugAction.Remove).ToList();

    public void Dispose() => Registry.Dispose();

    private IReadOnlyList<UnplugEventArgs> Of(string kind) => Notifications.Where(n => n.Kind == kind).Select(n => n.Args).ToList();

    private void Record(string kind, UnplugEventArgs e)
    {
        lock (_notifications)
        {
            _notifications.Add((kind, e));
        }
    }
}
