using System.Buffers.Binary;

namespace Spapr.Drc.Stress.Infrastructure;

/// <summary>
/// A registry on a clock that runs by itself (<see cref="TimeProvider.System"/>, or the pausable clock over it), with
/// every unplug notification recorded and the guest's acquire sequence: what the unit tests' machine is, for the tests
/// that must watch real timers fire on the thread pool. Notifications arrive on timer threads, hence the lock.
/// </summary>
internal sealed class RealClockMachine : IDisposable
{
    private readonly List<(string Kind, UnplugEventArgs Args)> _notifications = [];

    public RealClockMachine(TimeProvider clock, DrcOptions? options = null)
    {
        Registry = new DrcRegistry(options, clock);
        Registry.UnplugCompleted += (_, e) => Record(nameof(DrcRegistry.UnplugCompleted), e);
        Registry.UnplugTimedOut += (_, e) => Record(nameof(DrcRegistry.UnplugTimedOut), e);
        Registry.UnplugRejectedByGuest += (_, e) => Record(nameof(DrcRegistry.UnplugRejectedByGuest), e);
        Registry.UnplugCancelled += (_, e) => Record(nameof(DrcRegistry.UnplugCancelled), e);
    }

    public DrcRegistry Registry { get; }

    /// <summary>The unplug notifications so far, in the order they were raised.</summary>
    public IReadOnlyList<UnplugEventArgs> Notifications
    {
        get
        {
            lock (_notifications)
            {
                return _notifications.Select(n => n.Args).ToList();
            }
        }
    }

    public IReadOnlyList<UnplugEventArgs> TimedOut
    {
        get
        {
            lock (_notifications)
            {
                return _notifications.Where(n => n.Kind == nameof(DrcRegistry.UnplugTimedOut)).Select(n => n.Args).ToList();
            }
        }
    }

    public static DeviceTreeNode Fragment(string name) => new DeviceTreeNode(name).Add(DeviceTreeProperty.FromCells("reg", 1));

    /// <summary>Creates a connector, hot-plugs a device on it and lets the guest take it (usable, unisolate, configure to the end).</summary>
    public DrcIndex HotAdd(DrcType type, uint id)
    {
        var drc = Registry.CreateConnector(type, id);
        Registry.Attach(drc.Index, $"{type} device {id}", Fragment("dev@" + id), PlugMode.Hot);
        if (drc.Class == DrcClass.Logical)
        {
            Registry.Rtas.SetIndicator(RtasIndicator.Allocation, drc.Index, 1).Should().Be(RtasStatus.Success);
        }

        Registry.Rtas.SetIndicator(RtasIndicator.Isolation, drc.Index, 1).Should().Be(RtasStatus.Success);
        ConfigureToEnd(drc.Index).Should().Be(ConfigureConnectorStatus.Success);
        return drc.Index;
    }

    public RtasStatus Unisolate(DrcIndex index) => Registry.Rtas.SetIndicator(RtasIndicator.Isolation, index, 1);

    /// <summary>Calls configure-connector until it stops handing out nodes and properties.</summary>
    public ConfigureConnectorStatus ConfigureToEnd(DrcIndex index)
    {
        var workArea = new byte[DrcRtas.WorkAreaSize];
        for (int i = 0; i < 100; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(workArea, index.Value);
            var status = Registry.Rtas.ConfigureConnector(workArea);
            if (status is not (ConfigureConnectorStatus.NextChild or ConfigureConnectorStatus.NextProperty or ConfigureConnectorStatus.PreviousParent))
            {
                return status;
            }
        }

        throw new InvalidOperationException("configure-connector never finished.");
    }

    public void Dispose() => Registry.Dispose();

    private void Record(string kind, UnplugEventArgs e)
    {
        lock (_notifications)
        {
            _notifications.Add((kind, e));
        }
    }
}
