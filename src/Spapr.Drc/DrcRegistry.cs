using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Spapr.Drc;

/// <summary>
/// The connectors of one machine and everything machine-wide: the lock that serializes every state change, the
/// injected clock, the devices and their unplugs with timeouts, the hotplug event queue for the guest, notifications,
/// reset and snapshot. Thread-safe: RTAS calls (vCPU threads), host operations (monitor thread) and timer callbacks
/// may run concurrently. Programming errors (a null argument, an unknown type, a disposed registry) throw; anything a
/// guest or a user can cause at run time is a status code or a result that says why.
/// </summary>
public sealed partial class DrcRegistry : IDisposable
{
    private readonly RegistryCore _core;

    /// <summary>Creates an empty machine.</summary>
    /// <param name="options">Timeouts and policies; copied. <see langword="null"/> for the SPEC defaults.</param>
    /// <param name="timeProvider">The virtual clock for unplug timeouts and event timestamps; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Where state changes, releases, resets and timeouts are logged (an <c>ILogger&lt;DrcRegistry&gt;</c> fits);
    /// default a logger from <see cref="DrcOptions.LoggerFactory"/>, else none.</param>
    public DrcRegistry(DrcOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        var copy = (options ?? new DrcOptions()).Clone();
        logger ??= (ILogger?)copy.LoggerFactory?.CreateLogger<DrcRegistry>() ?? NullLogger.Instance;
        _core = new RegistryCore(this, copy, timeProvider ?? TimeProvider.System, logger);
        Rtas = new DrcRtas(_core);
    }

    /// <summary>A device was released: the guest finished the unplug, a reset completed it, or it left with its owner (<see cref="UnplugOutcome.RemovedWithOwner"/>).</summary>
    public event EventHandler<UnplugEventArgs>? UnplugCompleted
    {
        add => Subscribe(static (o, h) => o.UnplugCompleted = h, static o => o.UnplugCompleted, value, add: true);
        remove => Subscribe(static (o, h) => o.UnplugCompleted = h, static o => o.UnplugCompleted, value, add: false);
    }

    /// <summary>An unplug timeout fired. Under KeepPending the request stays pending (the outcome is unknown).</summary>
    public event EventHandler<UnplugEventArgs>? UnplugTimedOut
    {
        add => Subscribe(static (o, h) => o.UnplugTimedOut = h, static o => o.UnplugTimedOut, value, add: true);
        remove => Subscribe(static (o, h) => o.UnplugTimedOut = h, static o => o.UnplugTimedOut, value, add: false);
    }

    /// <summary>The guest rejected an unplug (once per device).</summary>
    public event EventHandler<UnplugEventArgs>? UnplugRejectedByGuest
    {
        add => Subscribe(static (o, h) => o.UnplugRejectedByGuest = h, static o => o.UnplugRejectedByGuest, value, add: true);
        remove => Subscribe(static (o, h) => o.UnplugRejectedByGuest = h, static o => o.UnplugRejectedByGuest, value, add: false);
    }

    /// <summary>The host cancelled a pending unplug.</summary>
    public event EventHandler<UnplugEventArgs>? UnplugCancelled
    {
        add => Subscribe(static (o, h) => o.UnplugCancelled = h, static o => o.UnplugCancelled, value, add: true);
        remove => Subscribe(static (o, h) => o.UnplugCancelled = h, static o => o.UnplugCancelled, value, add: false);
    }

    /// <summary>A hotplug event was queued for the guest: raise the machine's event interrupt.</summary>
    public event EventHandler<HotplugEventQueuedEventArgs>? HotplugEventQueued
    {
        add => Subscribe(static (o, h) => o.HotplugEventQueued = h, static o => o.HotplugEventQueued, value, add: true);
        remove => Subscribe(static (o, h) => o.HotplugEventQueued = h, static o => o.HotplugEventQueued, value, add: false);
    }

    /// <summary>The clock the registry measures timeouts and timestamps events on.</summary>
    public TimeProvider TimeProvider => _core.Time;

    /// <summary>The guest's RTAS calls for these connectors.</summary>
    public DrcRtas Rtas { get; }

    /// <summary>What happens when an unplug times out.</summary>
    public UnplugTimeoutPolicy TimeoutPolicy => _core.Options.TimeoutPolicy;

    /// <summary>The number of connectors.</summary>
    public int Count => _core.Host(0, static (core, _) => core.Connectors.Count);

    /// <summary>The connectors in index order (a snapshot).</summary>
    public IReadOnlyList<SpaprDrc> Connectors => _core.Host(0, static (core, _) => core.Ordered());

    /// <summary>Whether the guest negotiated the hot-plug event class (and indexed memory events) at client-architecture-support.</summary>
    public bool HotplugEventsNegotiated => _core.Negotiated;

    /// <summary>The event classes that still hold events (what event-scan reports), so the emulator can re-raise its interrupt.</summary>
    public RtasEventClasses PendingEventClasses => _core.Host(0, static (core, _) => core.Unplugs.Events.PendingClasses);

    internal RegistryCore Core => _core;

    /// <summary>The unplug timeout of a connector type.</summary>
    /// <param name="type">The type.</param>
    /// <returns>The timeout; <see cref="Timeout.InfiniteTimeSpan"/> for none.</returns>
    public TimeSpan GetUnplugTimeout(DrcType type) => _core.Options.GetUnplugTimeout(type);

    /// <summary>Creates a connector, in its empty state.</summary>
    /// <param name="type">The type (not Vio).</param>
    /// <param name="id">The id (28 bits).</param>
    /// <param name="owner">The existing connector owning this one (a PHB, or a PCI bridge's connector, for a PCI slot): listed under it in the device tree, and removed when its device is released.</param>
    /// <returns>The connector.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Vio, an unknown type, or an id over 28 bits.</exception>
    /// <exception cref="ArgumentException">The owner does not exist, or may not own a connector of this type.</exception>
    /// <exception cref="InvalidOperationException">A connector with that index already exists.</exception>
    public SpaprDrc CreateConnector(DrcType type, uint id, DrcIndex? owner = null) => CreateConnectors(type, id, 1, owner)[0];

    /// <summary>Creates <paramref name="count"/> connectors with consecutive ids; all or none.</summary>
    /// <param name="type">The type.</param>
    /// <param name="firstId">The first id.</param>
    /// <param name="count">How many.</param>
    /// <param name="owner">The owning connector, if any (see <see cref="CreateConnector"/>).</param>
    /// <returns>The connectors, in index order.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative count, or ids beyond 28 bits.</exception>
    /// <exception cref="ArgumentException">The owner does not exist, or may not own a connector of this type.</exception>
    /// <exception cref="InvalidOperationException">One of them exists already; none is created.</exception>
    public IReadOnlyList<SpaprDrc> CreateConnectors(DrcType type, uint firstId, int count, DrcIndex? owner = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var first = DrcIndex.From(type, firstId);
        if (count > 0 && (ulong)firstId + (ulong)count - 1 > DrcIndex.MaxId)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Ids from {firstId} on for {count} connectors go beyond 28 bits.");
        }

        return _core.Host((first, count, owner), static (core, a) => ConnectorFactory.Create(core, a.first, a.count, a.owner));
    }

    /// <summary>Looks a connector up by index (O(1), lock-free for readers of a stable machine).</summary>
    /// <param name="index">The index.</param>
    /// <param name="connector">The connector.</param>
    /// <returns>Whether it exists.</returns>
    public bool TryGet(DrcIndex index, [NotNullWhen(true)] out SpaprDrc? connector) =>
        _core.Connectors.TryGetShared(index.Value, out connector);

    /// <summary>Looks a connector up by type and id.</summary>
    /// <param name="type">The type.</param>
    /// <param name="id">The id.</param>
    /// <param name="connector">The connector.</param>
    /// <returns>Whether it exists.</returns>
    public bool TryGet(DrcType type, uint id, [NotNullWhen(true)] out SpaprDrc? connector)
    {
        connector = null;
        return DrcIndex.TryFrom(type, id, out var index) && TryGet(index, out connector);
    }

    /// <summary>The connector with an index.</summary>
    /// <param name="index">The index.</param>
    /// <returns>The connector.</returns>
    /// <exception cref="KeyNotFoundException">No such connector.</exception>
    public SpaprDrc this[DrcIndex index] => TryGet(index, out var drc) ? drc : throw new KeyNotFoundException($"No connector with index {index}.");

    /// <summary>The connector with a type and id.</summary>
    /// <param name="type">The type.</param>
    /// <param name="id">The id.</param>
    /// <returns>The connector.</returns>
    /// <exception cref="KeyNotFoundException">No such connector.</exception>
    public SpaprDrc this[DrcType type, uint id] => this[DrcIndex.From(type, id)];

    /// <summary>The device owning a connector (any connector of it), also while its removal is under way.</summary>
    /// <param name="index">A connector of the device.</param>
    /// <param name="device">The device.</param>
    /// <returns>Whether a device owns that connector.</returns>
    public bool TryGetDevice(DrcIndex index, [NotNullWhen(true)] out AttachedDevice? device)
    {
        device = TryGet(index, out var drc) ? drc.AttachedDevice : null;
        return device is not null;
    }

    /// <summary>Attaches a device (SPEC section 5). Cold: straight to the ready state, no event. Hot: stays empty and an Add event is queued.</summary>
    /// <param name="index">The connector (an LMB makes a one-LMB memory device).</param>
    /// <param name="device">The emulator's device object.</param>
    /// <param name="fragment">The device-tree fragment configure-connector hands out; <see langword="null"/> makes configure-connector return -1.</param>
    /// <param name="mode">Cold or hot plug.</param>
    /// <returns>The attached device.</returns>
    /// <exception cref="InvalidOperationException">The connector does not exist, belongs to a device, or the PCI slot rules refuse it; nothing changed.</exception>
    public AttachedDevice Attach(DrcIndex index, object device, DeviceTreeNode? fragment, PlugMode mode) =>
        TryAttach(index, device, fragment, mode, out var attached, out var error) ? attached : throw new InvalidOperationException(error);

    /// <summary>Attaches a device, returning why not instead of throwing.</summary>
    /// <param name="index">The connector.</param>
    /// <param name="device">The emulator's device object.</param>
    /// <param name="fragment">The device-tree fragment.</param>
    /// <param name="mode">Cold or hot plug.</param>
    /// <param name="error">Why the attach was refused (a connector that belongs to a device names it).</param>
    /// <returns>Whether the device was attached.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="device"/> is null.</exception>
    public bool TryAttach(DrcIndex index, object device, DeviceTreeNode? fragment, PlugMode mode, [NotNullWhen(false)] out string? error) =>
        TryAttach(index, device, fragment, mode, out _, out error);

    /// <summary>Attaches a memory device (DIMM) over <paramref name="lmbCount"/> consecutive LMB connectors: one device, one Add event.</summary>
    /// <param name="firstLmb">The first LMB connector.</param>
    /// <param name="lmbCount">How many LMBs (device size / 256 MiB).</param>
    /// <param name="device">The emulator's device object.</param>
    /// <param name="fragmentFor">The device-tree fragment of each LMB, or <see langword="null"/>; called under the registry lock.</param>
    /// <param name="mode">Cold or hot plug.</param>
    /// <returns>The attached device.</returns>
    /// <exception cref="InvalidOperationException">A bad count, or an LMB that is missing or belongs to a device; nothing changed.</exception>
    public AttachedDevice AttachMemoryDevice(DrcIndex firstLmb, int lmbCount, object device, Func<DrcIndex, DeviceTreeNode?>? fragmentFor, PlugMode mode) =>
        TryAttachMemoryDevice(firstLmb, lmbCount, device, fragmentFor, mode, out var attached, out var error) ? attached : throw new InvalidOperationException(error);

    /// <summary>Attaches a memory device, returning why not instead of throwing (every count is checked before anything is allocated).</summary>
    /// <param name="firstLmb">The first LMB connector.</param>
    /// <param name="lmbCount">How many LMBs.</param>
    /// <param name="device">The emulator's device object.</param>
    /// <param name="fragmentFor">The device-tree fragment of each LMB, or <see langword="null"/>.</param>
    /// <param name="mode">Cold or hot plug.</param>
    /// <param name="error">Why the attach was refused.</param>
    /// <returns>Whether the device was attached.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="device"/> is null.</exception>
    public bool TryAttachMemoryDevice(DrcIndex firstLmb, int lmbCount, object device, Func<DrcIndex, DeviceTreeNode?>? fragmentFor, PlugMode mode, [NotNullWhen(false)] out string? error) =>
        TryAttachMemoryDevice(firstLmb, lmbCount, device, fragmentFor, mode, out _, out error);

    /// <summary>
    /// Asks the guest to release a device (SPEC sections 5 and 6). Never throws for a state a user can cause: the result
    /// says what happened and why, and carries the request id its notifications will carry.
    /// </summary>
    /// <remarks>
    /// Notifications about the request may be raised before this returns (a device the guest never took completes at
    /// once, and a vCPU thread may release it meanwhile): match them by <see cref="UnplugRequestResult.RequestId"/>
    /// and accept an ending seen before the acceptance. For function 0 of a PCI slot, each function present gets its
    /// own request; the result carries function 0's, the others' ids come with their notifications.
    /// </remarks>
    /// <param name="index">Any connector of the device (any LMB of a memory device).</param>
    /// <param name="timeout">Overrides the type's timeout for this request; <see cref="Timeout.InfiniteTimeSpan"/> for none.</param>
    /// <returns>What happened.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The timeout override is zero, negative or too long.</exception>
    public UnplugRequestResult RequestUnplug(DrcIndex index, TimeSpan? timeout)
    {
        if (timeout is { } t)
        {
            DrcOptions.ValidateTimeout(t, nameof(timeout));
        }

        return _core.Host((index, timeout), static (core, a) => core.Unplugs.Request(a.index, a.timeout));
    }

    /// <summary>Asks the guest to release the device on a connector with its type's timeout (see <see cref="RequestUnplug(DrcIndex, TimeSpan?)"/>).</summary>
    /// <param name="index">Any connector of the device (any LMB of a memory device).</param>
    /// <returns>What happened.</returns>
    public UnplugRequestResult RequestUnplug(DrcIndex index) => RequestUnplug(index, null);

    /// <summary>
    /// Asks the guest to release <paramref name="device"/> itself (see <see cref="RequestUnplug(DrcIndex, TimeSpan?)"/>).
    /// Naming the device rather than a connector removes a race: once the device's removal ended, this answers
    /// <see cref="UnplugRequestStatus.NoDevice"/> even if another device was plugged into the same connector since.
    /// </summary>
    /// <param name="device">The device, as attach or a notification gave it.</param>
    /// <param name="timeout">Overrides the type's timeout for this request; <see cref="Timeout.InfiniteTimeSpan"/> for none.</param>
    /// <returns>What happened.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="device"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The timeout override is zero, negative or too long.</exception>
    public UnplugRequestResult RequestUnplug(AttachedDevice device, TimeSpan? timeout)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (timeout is { } t)
        {
            DrcOptions.ValidateTimeout(t, nameof(timeout));
        }

        return _core.Host((device, timeout), static (core, a) => core.Unplugs.Request(a.device, a.timeout));
    }

    /// <summary>Asks the guest to release <paramref name="device"/> itself with its type's timeout (see <see cref="RequestUnplug(AttachedDevice, TimeSpan?)"/>).</summary>
    /// <param name="device">The device, as attach or a notification gave it.</param>
    /// <returns>What happened.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="device"/> is null.</exception>
    public UnplugRequestResult RequestUnplug(AttachedDevice device) => RequestUnplug(device, null);

    /// <summary>Cancels the pending unplug of <paramref name="device"/> itself (see <see cref="CancelUnplug(DrcIndex)"/>); false once its removal ended.</summary>
    /// <param name="device">The device.</param>
    /// <returns>Whether an unplug of that device was pending.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="device"/> is null.</exception>
    public bool CancelUnplug(AttachedDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return _core.Host(device, static (core, d) => core.Unplugs.Cancel(d));
    }

    /// <summary>The attached devices, in the order of their first connector (a snapshot): what a migration destination attaches.</summary>
    /// <returns>The devices, including those whose removal is under way.</returns>
    public IReadOnlyList<AttachedDevice> GetAttachedDevices() => _core.Host(0, static (core, _) =>
    {
        var devices = new List<AttachedDevice>();
        foreach (var drc in core.Ordered())
        {
            if (drc.AttachedDevice is { } device && ReferenceEquals(device.First, drc))
            {
                devices.Add(device);
            }
        }

        return devices;
    });

    /// <summary>
    /// Cancels a device's pending unplug on the host side: the pending state and its timer are cleared and an
    /// UnplugCancelled notification is raised. The guest is not told (PAPR has no abort): a Remove event already
    /// queued stays queued, and a guest that releases the device later finds nothing pending. Connectors the guest
    /// released before the cancel stay released; the device keeps them until its removal ends.
    /// </summary>
    /// <param name="index">Any connector of the device.</param>
    /// <returns>Whether an unplug was pending.</returns>
    public bool CancelUnplug(DrcIndex index) => _core.Host(index, static (core, i) => core.Unplugs.Cancel(i));

    /// <summary>The pending unplug requests, in the order of their device's first connector.</summary>
    /// <returns>A snapshot.</returns>
    public IReadOnlyList<PendingUnplug> GetPendingUnplugs() => _core.Host(0, static (core, _) => core.Unplugs.Pending());

    /// <summary>The hotplug events waiting for the guest, oldest first (a snapshot).</summary>
    /// <returns>The events.</returns>
    public IReadOnlyList<HotplugEvent> GetQueuedEvents() => _core.Host(0, static (core, _) =>
    {
        var items = core.Unplugs.Events.Items;
        var events = new HotplugEvent[items.Length];
        for (int i = 0; i < events.Length; i++)
        {
            events[i] = items[i].ToEvent();
        }

        return events;
    });

    /// <summary>
    /// Machine reset (SPEC section 5): pending unplugs complete (CompletedByReset), devices go to their ready state and
    /// empty connectors to their empty state, physical DR indicators follow, the hotplug event queue is emptied, and the
    /// guest's negotiation is forgotten (it renegotiates at boot).
    /// </summary>
    public void Reset() => _core.Host(false, static (core, negotiated) => core.ResetMachine("machine reset", negotiated));

    /// <summary>
    /// The guest's client-architecture-support negotiation: resets the connectors as <see cref="Reset"/> does, drops the
    /// hotplug events, and records whether the guest negotiated the hot-plug event class (from then on events use that
    /// class, and memory Add events are count-indexed).
    /// </summary>
    /// <param name="hotplugEvents">Whether the guest negotiated the hot-plug event class.</param>
    public void NegotiateClientArchitecture(bool hotplugEvents = true) =>
        _core.Host(hotplugEvents, static (core, negotiated) => core.ResetMachine("client-architecture-support", negotiated));

    /// <summary>
    /// Stops the unplug timer and the notifications. When this returns no notification handler starts any more; a
    /// handler already running on another thread is waited for (one running on this thread, that called Dispose, is
    /// not). Pending requests stay as they are. Afterwards host operations throw <see cref="ObjectDisposedException"/>
    /// and RTAS calls answer -1 (HardwareError) without changing anything.
    /// </summary>
    public void Dispose() => _core.Dispose();

    private bool TryAttach(DrcIndex index, object device, DeviceTreeNode? fragment, PlugMode mode, [NotNullWhen(true)] out AttachedDevice? attached, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(device);
        var outcome = _core.Host((index, device, fragment, mode), static (core, a) =>
            DeviceAttacher.TryAttach(core, a.index, a.device, a.fragment, a.mode, out var d, out var e) ? new AttachOutcome(d, null) : new AttachOutcome(null, e));
        return outcome.Unpack(out attached, out error);
    }

    private bool TryAttachMemoryDevice(DrcIndex firstLmb, int lmbCount, object device, Func<DrcIndex, DeviceTreeNode?>? fragmentFor, PlugMode mode, [NotNullWhen(true)] out AttachedDevice? attached, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(device);
        var outcome = _core.Host((firstLmb, lmbCount, device, fragmentFor, mode), static (core, a) =>
            DeviceAttacher.TryAttachSpan(core, a.firstLmb, a.lmbCount, a.device, a.fragmentFor, a.mode, out var d, out var e) ? new AttachOutcome(d, null) : new AttachOutcome(null, e));
        return outcome.Unpack(out attached, out error);
    }

    private void Subscribe<THandler>(Action<NotificationOutbox, THandler?> set, Func<NotificationOutbox, THandler?> get, THandler? handler, bool add)
        where THandler : Delegate
    {
        lock (_core.Sync)
        {
            var current = get(_core.Outbox);
            set(_core.Outbox, (THandler?)(add ? Delegate.Combine(current, handler) : Delegate.Remove(current, handler)));
        }
    }
}
