using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Spapr.Drc.Tests.Support;

/// <summary>
/// The one test machine of the unit tests: a registry on a fake clock (optionally behind the pausable virtual clock),
/// its logs on request, every notification recorded, helpers that create connectors and attach devices as an emulator does,
/// and the guest's RTAS calls and Linux sequences (acquire, release, reject), so tests read like SPEC sections 3-6.
/// Nothing here waits on wall-clock time: time moves only when a test advances <see cref="Clock"/>.
/// </summary>
internal sealed class Machine : IDisposable
{
    public const uint Isolation = 9001;
    public const uint DrIndicatorType = 9002;
    public const uint Allocation = 9003;
    public const uint EntitySenseSensor = 9003;

    private readonly FakeLogger? _logger;

    /// <summary>Creates an empty machine.</summary>
    /// <param name="options">The registry's options; <see langword="null"/> for the SPEC defaults.</param>
    /// <param name="start">The fake clock's start; <see langword="null"/> for the fake clock's default.</param>
    /// <param name="pausable">Runs the registry on a <see cref="PausableTimeProvider"/> over the fake clock (SPEC section 6, Beyond QEMU).</param>
    /// <param name="recordLogs">
    /// Gives the registry a <see cref="FakeLogger"/> (<see cref="Logger"/>). Off by default: with every level enabled the
    /// registry formats a message per state change, which made the machines of thousands of LMBs three times slower.
    /// </param>
    public Machine(DrcOptions? options = null, DateTimeOffset? start = null, bool pausable = false, bool recordLogs = false)
    {
        Clock = start is { } at ? new FakeTimeProvider(at) : new FakeTimeProvider();
        Pausable = pausable ? new PausableTimeProvider(Clock) : null;
        _logger = recordLogs ? new FakeLogger() : null;
        Registry = new DrcRegistry(options, (TimeProvider?)Pausable ?? Clock, (ILogger?)_logger ?? NullLogger.Instance);
        Notifications = new NotificationRecorder(Registry);
    }

    /// <summary>The fake clock everything runs on; advancing it runs due timer callbacks on the calling thread.</summary>
    public FakeTimeProvider Clock { get; }

    /// <summary>The pausable virtual clock over <see cref="Clock"/> when the machine was made with one; else <see langword="null"/>.</summary>
    public PausableTimeProvider? Pausable { get; }

    /// <summary>What the registry logged; only a machine made with <c>recordLogs: true</c> has one, so "no such log" can never pass by default.</summary>
    public FakeLogger Logger => _logger ?? throw new InvalidOperationException("This machine records no logs: make it with recordLogs: true.");

    public DrcRegistry Registry { get; }

    /// <summary>Every notification of <see cref="Registry"/>, in the order it was raised.</summary>
    public NotificationRecorder Notifications { get; }

    public DrcRtas Rtas => Registry.Rtas;

    public SpaprDrc Create(DrcType type, uint id, DrcIndex? owner = null) => Registry.CreateConnector(type, id, owner);

    /// <summary>Hot-plugs a new device onto an existing connector (an Add event is queued); returns the device object.</summary>
    public object HotPlug(SpaprDrc drc, DeviceTreeNode? fragment = null)
    {
        var device = new TestDevice(drc.Name);
        Registry.Attach(drc.Index, device, fragment ?? Fragments.Simple(), PlugMode.Hot);
        return device;
    }

    /// <summary>Cold-plugs a new device onto an existing connector (straight to its ready state); returns the device object.</summary>
    public object ColdPlug(SpaprDrc drc, DeviceTreeNode? fragment = null)
    {
        var device = new TestDevice(drc.Name);
        Registry.Attach(drc.Index, device, fragment ?? Fragments.Simple(), PlugMode.Cold);
        return device;
    }

    /// <summary>Creates a connector, hot-plugs a device on it and, unless told otherwise, lets the guest take it (drcsim's plug, then guest add).</summary>
    public DrcIndex HotAdd(DrcType type, uint id, bool acquire = true, object? device = null, DrcIndex? owner = null)
    {
        var drc = Registry.CreateConnector(type, id, owner);
        Registry.Attach(drc.Index, device ?? $"{type} device {id}", Fragments.Simple("dev@" + id), PlugMode.Hot);
        if (acquire)
        {
            Acquire(drc.Index);
        }

        return drc.Index;
    }

    /// <summary>Creates <paramref name="count"/> LMB connectors, hot-plugs one memory device over them and, unless told otherwise, lets the guest take every LMB.</summary>
    public DrcIndex HotAddMemory(uint firstId, int count, bool acquire = true, object? device = null)
    {
        var lmbs = Registry.CreateConnectors(DrcType.Lmb, firstId, count);
        AttachMemory(lmbs[0].Index, count, PlugMode.Hot, device ?? "DIMM");
        if (acquire)
        {
            foreach (var lmb in lmbs)
            {
                Acquire(lmb.Index);
            }
        }

        return lmbs[0].Index;
    }

    /// <summary>Attaches one memory device over existing LMB connectors, each LMB with a fragment of its own.</summary>
    public AttachedDevice AttachMemory(DrcIndex firstLmb, int count, PlugMode mode, object device) =>
        Registry.AttachMemoryDevice(firstLmb, count, device, i => Fragments.Simple("lmb@" + i.Id), mode);

    public RtasStatus Isolate(DrcIndex index) => Rtas.SetIndicator(Isolation, index.Value, 0);

    public RtasStatus Unisolate(DrcIndex index) => Rtas.SetIndicator(Isolation, index.Value, 1);

    public RtasStatus Usable(DrcIndex index) => Rtas.SetIndicator(Allocation, index.Value, 1);

    public RtasStatus Unusable(DrcIndex index) => Rtas.SetIndicator(Allocation, index.Value, 0);

    public RtasStatus Isolate(SpaprDrc drc) => Isolate(drc.Index);

    public RtasStatus Unisolate(SpaprDrc drc) => Unisolate(drc.Index);

    public RtasStatus Usable(SpaprDrc drc) => Usable(drc.Index);

    public RtasStatus Unusable(SpaprDrc drc) => Unusable(drc.Index);

    public (RtasStatus Status, uint Value) Sense(SpaprDrc drc)
    {
        var status = Rtas.GetSensorState(EntitySenseSensor, drc.Index.Value, out var value);
        return (status, value);
    }

    /// <summary>An unplug request that never times out, so the test's clock does not matter.</summary>
    public UnplugRequestResult RequestUnplug(SpaprDrc drc) => Registry.RequestUnplug(drc.Index, Timeout.InfiniteTimeSpan);

    /// <summary>The guest takes a hot-plugged device: (usable,) unisolate, configure-connector to the end; every call must succeed.</summary>
    public void Acquire(DrcIndex index)
    {
        if (Registry[index].Class == DrcClass.Logical)
        {
            Usable(index).Should().Be(RtasStatus.Success);
        }

        Unisolate(index).Should().Be(RtasStatus.Success);
        ConfigureToEnd(index).Should().Be(ConfigureConnectorStatus.Success);
    }

    /// <summary>The guest gives a device back: isolate, then (logical) unusable; every call must succeed.</summary>
    public void GuestRelease(DrcIndex index)
    {
        Isolate(index).Should().Be(RtasStatus.Success);
        if (Registry[index].Class == DrcClass.Logical)
        {
            Unusable(index).Should().Be(RtasStatus.Success);
        }
    }

    /// <summary>One configure-connector call for <paramref name="index"/> on the caller's work area.</summary>
    public ConfigureConnectorStatus ConfigureStep(uint index, byte[] workArea)
    {
        BinaryPrimitives.WriteUInt32BigEndian(workArea, index);
        return Rtas.ConfigureConnector(workArea);
    }

    /// <summary>One configure-connector call on a fresh work area.</summary>
    public ConfigureConnectorStatus ConfigureOnce(DrcIndex index) => ConfigureStep(index.Value, new byte[DrcRtas.WorkAreaSize]);

    /// <summary>Calls configure-connector until it stops handing out nodes and properties, as Linux does; returns every status.</summary>
    public List<ConfigureConnectorStatus> ConfigureAll(SpaprDrc drc) => ConfigureAll(drc.Index);

    /// <summary>Calls configure-connector until it stops handing out nodes and properties, as Linux does; returns every status.</summary>
    public List<ConfigureConnectorStatus> ConfigureAll(DrcIndex index)
    {
        var codes = new List<ConfigureConnectorStatus>();
        var workArea = new byte[DrcRtas.WorkAreaSize];
        for (int guard = 0; guard < 10_000; guard++)
        {
            var status = ConfigureStep(index.Value, workArea);
            codes.Add(status);
            if (status is not (ConfigureConnectorStatus.NextChild or ConfigureConnectorStatus.NextProperty or ConfigureConnectorStatus.PreviousParent))
            {
                return codes;
            }
        }

        throw new InvalidOperationException("configure-connector never finished.");
    }

    /// <summary>Calls configure-connector until it stops handing out nodes and properties; returns the last status.</summary>
    public ConfigureConnectorStatus ConfigureToEnd(DrcIndex index) => ConfigureAll(index)[^1];

    /// <summary>The Remove events waiting for the guest, oldest first.</summary>
    public IReadOnlyList<HotplugEvent> RemoveEvents() =>
        Registry.GetQueuedEvents().Where(e => e.Action == HotplugAction.Remove).ToList();

    /// <summary>Builds a connector in a given state (SPEC section 2), with or without a device and a pending unplug.</summary>
    /// <remarks>
    /// "Empty state with a device and an unplug pending" cannot be reached through the public surface (a request
    /// in the empty state releases at once); it is forced through the internal state setter so the table row is still pinned.
    /// </remarks>
    public SpaprDrc InState(DrcType type, uint id, DrcState state, bool device = true, bool pending = false)
    {
        var drc = Create(type, id);
        var empty = DrcClassRules.Of(drc.Class).EmptyState;
        if (!device)
        {
            if (state != empty || pending)
            {
                throw new ArgumentException("Without a device only the empty state exists.");
            }

            return drc;
        }

        if (state == empty && pending)
        {
            ColdPlug(drc);
            RequestUnplug(drc).Status.Should().Be(UnplugRequestStatus.Requested);
            drc.State = empty;
            return drc;
        }

        switch (state)
        {
            case DrcState.LogicalUnusable or DrcState.PhysicalPowerOn:
                HotPlug(drc);
                break;
            case DrcState.LogicalAvailable:
                HotPlug(drc);
                Usable(drc).Should().Be(RtasStatus.Success);
                break;
            case DrcState.LogicalUnisolate:
                HotPlug(drc);
                Usable(drc).Should().Be(RtasStatus.Success);
                Unisolate(drc).Should().Be(RtasStatus.Success);
                break;
            case DrcState.PhysicalUnisolate:
                HotPlug(drc);
                Unisolate(drc).Should().Be(RtasStatus.Success);
                break;
            case DrcState.LogicalConfigured or DrcState.PhysicalConfigured:
                ColdPlug(drc);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(state));
        }

        drc.State.Should().Be(state);
        if (pending)
        {
            RequestUnplug(drc).Status.Should().Be(UnplugRequestStatus.Requested);
        }

        return drc;
    }

    public void Dispose() => Registry.Dispose();
}
