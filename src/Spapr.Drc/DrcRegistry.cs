using System.Collections.Immutable;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Spapr.Drc;

/// <summary>
/// The connectors of one machine and everything machine-wide: the lock that serializes every state change,
/// the injected clock, the unplug timeouts, the hotplug event queue for the guest, notifications, reset and
/// snapshot. Thread-safe: RTAS calls (vCPU threads), host operations (monitor thread) and timer callbacks
/// may run concurrently.
/// </summary>
public sealed partial class DrcRegistry : IDisposable
{
    private readonly object _sync = new();
    private readonly ConnectorTable _connectors;
    private readonly DrcOptions _options;
    private readonly ILogger _logger;
    private readonly DrcMetrics _metrics;
    private readonly UnplugTimerQueue _timers;
    private readonly HotplugEventQueue _events = new();
    private readonly ChangedConnectors _changes = new();
    private readonly Queue<(Notification Kind, EventArgs Args)> _outbox = new();
    private readonly object _dispatchSync = new();

    // Owned by whichever thread holds _dispatchSync: the notifications it is raising.
    private readonly List<(Notification Kind, EventArgs Args)> _dispatchBatch = [];
    private SpaprDrc[]? _ordered;
    private long _nextRequestId;
    private uint _nextLogId = 1;
    private int _pendingCount;
    private bool _structureChanged;
    private bool _disposed;
    private volatile bool _hotplugEventsNegotiated;

    /// <summary>Creates an empty machine.</summary>
    /// <param name="options">Timeouts and policies; copied. <see langword="null"/> for the SPEC defaults.</param>
    /// <param name="timeProvider">The virtual clock for unplug timeouts and event timestamps; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Where state changes, releases, resets and timeouts are logged; default none.</param>
    public DrcRegistry(DrcOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        _connectors = new ConnectorTable(_sync);
        _options = (options ?? new DrcOptions()).Clone();
        TimeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _metrics = new DrcMetrics(_options.MeterFactory, () => Volatile.Read(ref _pendingCount));
        _timers = new UnplugTimerQueue(TimeProvider, RunTimerWork, OnUnplugTimeout, ex => Log.TimerCallbackFailed(_logger, ex));
        Rtas = new DrcRtas(this);
    }

    private enum Notification
    {
        UnplugCompleted,
        UnplugTimedOut,
        UnplugRejectedByGuest,
        UnplugCancelled,
        HotplugEventQueued,
    }

    /// <summary>A device was released: the guest finished the unplug, or a reset completed it.</summary>
    public event EventHandler<UnplugEventArgs>? UnplugCompleted;

    /// <summary>An unplug timeout fired. Under KeepPending the request stays pending (the outcome is unknown).</summary>
    public event EventHandler<UnplugEventArgs>? UnplugTimedOut;

    /// <summary>The guest rejected an unplug (once per device).</summary>
    public event EventHandler<UnplugEventArgs>? UnplugRejectedByGuest;

    /// <summary>The host cancelled a pending unplug.</summary>
    public event EventHandler<UnplugEventArgs>? UnplugCancelled;

    /// <summary>A hotplug event was queued for the guest: raise the machine's event interrupt.</summary>
    public event EventHandler<HotplugEventQueuedEventArgs>? HotplugEventQueued;

    /// <summary>The clock the registry measures timeouts and timestamps events on.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>The guest's RTAS calls for these connectors.</summary>
    public DrcRtas Rtas { get; }

    /// <summary>What happens when an unplug times out.</summary>
    public UnplugTimeoutPolicy TimeoutPolicy => _options.TimeoutPolicy;

    /// <summary>The number of connectors.</summary>
    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _connectors.Count;
            }
        }
    }

    /// <summary>The connectors in index order (a snapshot).</summary>
    public IReadOnlyList<SpaprDrc> Connectors
    {
        get
        {
            lock (_sync)
            {
                return Ordered();
            }
        }
    }

    /// <summary>Whether the guest negotiated the hot-plug event class (and indexed memory events) at client-architecture-support.</summary>
    public bool HotplugEventsNegotiated => _hotplugEventsNegotiated;

    /// <summary>The event classes that still hold events (what event-scan reports), so the emulator can re-raise its interrupt.</summary>
    public RtasEventClasses PendingEventClasses
    {
        get
        {
            lock (_sync)
            {
                return _events.PendingClasses;
            }
        }
    }

    internal object Sync => _sync;

    internal ILogger Logger => _logger;

    internal DrcOptions Options => _options;

    internal DrcMetrics Metrics => _metrics;

    internal bool HasUnplugTimer => _timers.HasTimer;

    /// <summary>The unplug timeout of a connector type.</summary>
    /// <param name="type">The type.</param>
    /// <returns>The timeout; <see cref="Timeout.InfiniteTimeSpan"/> for none.</returns>
    public TimeSpan GetUnplugTimeout(DrcType type) => _options.GetUnplugTimeout(type);

    /// <summary>Creates a connector.</summary>
    /// <param name="type">The type (not Vio).</param>
    /// <param name="id">The id (28 bits).</param>
    /// <param name="owner">The connector owning this one (the PHB of a PCI slot): listed under it in the device tree, and removed when its device is released.</param>
    /// <returns>The connector, in its empty state.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Vio, an unknown type, or an id over 28 bits.</exception>
    /// <exception cref="InvalidOperationException">A connector with that index already exists.</exception>
    public SpaprDrc CreateConnector(DrcType type, uint id, DrcIndex? owner = null)
    {
        var index = DrcIndex.From(type, id);
        lock (_sync)
        {
            ThrowIfDisposed();
            return CreateLocked(index, owner);
        }
    }

    /// <summary>Creates <paramref name="count"/> connectors with consecutive ids.</summary>
    /// <param name="type">The type.</param>
    /// <param name="firstId">The first id.</param>
    /// <param name="count">How many.</param>
    /// <param name="owner">The owning connector, if any.</param>
    /// <returns>The connectors, in index order.</returns>
    /// <exception cref="InvalidOperationException">One of them exists already; none is created.</exception>
    public IReadOnlyList<SpaprDrc> CreateConnectors(DrcType type, uint firstId, int count, DrcIndex? owner = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > 0)
        {
            _ = DrcIndex.From(type, firstId);
            _ = DrcIndex.From(type, checked(firstId + (uint)count - 1));
        }

        lock (_sync)
        {
            ThrowIfDisposed();

            // Both ends were validated, so consecutive ids are consecutive index values; duplicates are refused
            // up front, so the loop below adds without checking again (a machine creates thousands at once).
            uint first = count > 0 ? DrcIndex.From(type, firstId).Value : 0;
            for (uint i = 0; i < count; i++)
            {
                if (_connectors.ContainsKey(first + i))
                {
                    throw Duplicate(new DrcIndex(first + i));
                }
            }

            _connectors.EnsureCapacity(_connectors.Count + count);
            var created = new SpaprDrc[count];
            for (uint i = 0; i < count; i++)
            {
                var drc = new SpaprDrc(this, new DrcIndex(first + i), owner);
                _connectors.Add(first + i, drc);
                created[i] = drc;
            }

            _ordered = null;
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                foreach (var drc in created)
                {
                    Log.ConnectorCreated(_logger, drc.Index, drc.Name);
                }
            }

            return created;
        }
    }

    /// <summary>Looks a connector up by index (O(1), lock-free for readers of a stable machine).</summary>
    /// <param name="index">The index.</param>
    /// <param name="connector">The connector.</param>
    /// <returns>Whether it exists.</returns>
    public bool TryGet(DrcIndex index, [NotNullWhen(true)] out SpaprDrc? connector) =>
        _connectors.TryGetShared(index.Value, out connector);

    /// <summary>Looks a connector up by type and id.</summary>
    /// <param name="type">The type.</param>
    /// <param name="id">The id.</param>
    /// <param name="connector">The connector.</param>
    /// <returns>Whether it exists.</returns>
    public bool TryGet(DrcType type, uint id, [NotNullWhen(true)] out SpaprDrc? connector)
    {
        if (!DrcIndex.TryFrom(type, id, out var index))
        {
            connector = null;
            return false;
        }

        return TryGet(index, out connector);
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

    /// <summary>Attaches a device (SPEC section 5). Cold: straight to the ready state, no event. Hot: stays empty and an Add event is queued.</summary>
    /// <param name="index">The connector.</param>
    /// <param name="device">The emulator's device object.</param>
    /// <param name="fragment">The device-tree fragment configure-connector hands out; <see langword="null"/> makes configure-connector return -1.</param>
    /// <param name="mode">Cold or hot plug.</param>
    /// <exception cref="InvalidOperationException">The connector does not exist, is not empty, or the PCI slot rules refuse it; nothing changed.</exception>
    public void Attach(DrcIndex index, object device, DeviceTreeNode? fragment, PlugMode mode)
    {
        if (!TryAttach(index, device, fragment, mode, out var error))
        {
            throw new InvalidOperationException(error);
        }
    }

    /// <summary>Attaches a device, returning why not instead of throwing.</summary>
    /// <param name="index">The connector.</param>
    /// <param name="device">The emulator's device object.</param>
    /// <param name="fragment">The device-tree fragment.</param>
    /// <param name="mode">Cold or hot plug.</param>
    /// <param name="error">Why the attach was refused.</param>
    /// <returns>Whether the device was attached.</returns>
    public bool TryAttach(DrcIndex index, object device, DeviceTreeNode? fragment, PlugMode mode, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (index.Type == DrcType.Lmb)
        {
            return TryAttachMemoryDevice(index, 1, device, fragment is null ? null : _ => fragment, mode, out error);
        }

        try
        {
            lock (_sync)
            {
                ThrowIfDisposed();
                if (!CheckAttachable(index, out var drc, out error))
                {
                    return false;
                }

                if (drc.Type == DrcType.Pci && mode == PlugMode.Hot)
                {
                    return TryHotPlugPciFunction(drc, device, fragment, out error);
                }

                AttachLocked(drc, new Attachment(device, fragment, null), mode);
                if (mode == PlugMode.Hot)
                {
                    QueueEvent(HotplugTypeOf(drc.Type), HotplugAction.Add, HotplugIdentifier.DrcIndex, drc.Index, 1);
                }

                return true;
            }
        }
        finally
        {
            Dispatch();
        }
    }

    /// <summary>Attaches a memory device (DIMM) over <paramref name="lmbCount"/> consecutive LMB connectors: one device, one Add event.</summary>
    /// <param name="firstLmb">The first LMB connector.</param>
    /// <param name="lmbCount">How many LMBs (device size / 256 MiB).</param>
    /// <param name="device">The emulator's device object.</param>
    /// <param name="fragmentFor">The device-tree fragment of each LMB, or <see langword="null"/>.</param>
    /// <param name="mode">Cold or hot plug.</param>
    /// <exception cref="InvalidOperationException">An LMB is missing or not empty; nothing changed.</exception>
    public void AttachMemoryDevice(DrcIndex firstLmb, int lmbCount, object device, Func<DrcIndex, DeviceTreeNode?>? fragmentFor, PlugMode mode)
    {
        if (!TryAttachMemoryDevice(firstLmb, lmbCount, device, fragmentFor, mode, out var error))
        {
            throw new InvalidOperationException(error);
        }
    }

    /// <summary>Attaches a memory device, returning why not instead of throwing.</summary>
    /// <param name="firstLmb">The first LMB connector.</param>
    /// <param name="lmbCount">How many LMBs.</param>
    /// <param name="device">The emulator's device object.</param>
    /// <param name="fragmentFor">The device-tree fragment of each LMB, or <see langword="null"/>.</param>
    /// <param name="mode">Cold or hot plug.</param>
    /// <param name="error">Why the attach was refused.</param>
    /// <returns>Whether the device was attached.</returns>
    public bool TryAttachMemoryDevice(DrcIndex firstLmb, int lmbCount, object device, Func<DrcIndex, DeviceTreeNode?>? fragmentFor, PlugMode mode, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfLessThan(lmbCount, 1);
        if (firstLmb.Type != DrcType.Lmb)
        {
            error = $"{firstLmb} is not an LMB connector.";
            return false;
        }

        try
        {
            lock (_sync)
            {
                ThrowIfDisposed();
                var members = new SpaprDrc[lmbCount];
                for (int i = 0; i < lmbCount; i++)
                {
                    ulong value = (ulong)firstLmb.Value + (ulong)i;
                    if (value > uint.MaxValue)
                    {
                        error = $"The memory device needs {lmbCount} LMB connectors from {firstLmb}.";
                        return false;
                    }

                    if (!CheckAttachable(new DrcIndex((uint)value), out var drc, out error))
                    {
                        return false;
                    }

                    members[i] = drc;
                }

                var group = new DeviceGroup(device, members);
                foreach (var drc in members)
                {
                    AttachLocked(drc, new Attachment(device, fragmentFor?.Invoke(drc.Index), group), mode);
                }

                if (mode == PlugMode.Hot)
                {
                    if (_hotplugEventsNegotiated)
                    {
                        QueueEvent(HotplugType.Memory, HotplugAction.Add, HotplugIdentifier.DrcCountIndexed, firstLmb, (uint)lmbCount);
                    }
                    else
                    {
                        QueueEvent(HotplugType.Memory, HotplugAction.Add, HotplugIdentifier.DrcCount, default, (uint)lmbCount);
                    }
                }

                error = null;
                return true;
            }
        }
        finally
        {
            Dispatch();
        }
    }

    /// <summary>
    /// Asks the guest to release the device on a connector (SPEC sections 5 and 6). Never throws for a state a
    /// user can cause: the result says what happened and why.
    /// </summary>
    /// <param name="index">Any connector of the device (any LMB of a memory device).</param>
    /// <param name="timeout">Overrides the type's timeout for this request; <see cref="Timeout.InfiniteTimeSpan"/> for none.</param>
    /// <returns>What happened.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The timeout override is zero, negative or too long.</exception>
    public UnplugRequestResult RequestUnplug(DrcIndex index, TimeSpan? timeout = null)
    {
        if (timeout is { } t)
        {
            DrcOptions.ValidateTimeout(t, nameof(timeout));
        }

        try
        {
            lock (_sync)
            {
                ThrowIfDisposed();
                var result = RequestUnplugLocked(index, timeout);
                AssertInvariantsInDebug();
                return result;
            }
        }
        finally
        {
            Dispatch();
        }
    }

    /// <summary>
    /// Cancels a pending unplug on the host side: the pending state and its timer are cleared and an
    /// UnplugCancelled notification is raised. The guest is not told (PAPR has no abort): a Remove event
    /// already queued stays queued, and a guest that releases the device later finds nothing pending.
    /// </summary>
    /// <param name="index">Any connector of the device.</param>
    /// <returns>Whether an unplug was pending.</returns>
    public bool CancelUnplug(DrcIndex index)
    {
        try
        {
            lock (_sync)
            {
                ThrowIfDisposed();
                if (!_connectors.TryGetValue(index.Value, out var drc) || drc.Request is not { } request)
                {
                    return false;
                }

                Log.UnplugCancelled(_logger, request.Primary.Index, request.Primary.Name, request.Device);
                EndRequest(request, UnplugOutcome.Cancelled);
                return true;
            }
        }
        finally
        {
            Dispatch();
        }
    }

    /// <summary>The pending unplug requests, in the order of their first connector.</summary>
    /// <returns>A snapshot.</returns>
    public IReadOnlyList<PendingUnplug> GetPendingUnplugs()
    {
        lock (_sync)
        {
            var seen = new HashSet<long>();
            var list = new List<PendingUnplug>();
            foreach (var drc in Ordered())
            {
                if (drc.Request is { } r && seen.Add(r.Id))
                {
                    list.Add(new PendingUnplug(r.Id, r.Primary.Index, r.Device, [.. r.Remaining.Select(c => c.Index)], r.RequestedAt, r.Deadline, r.TimedOut));
                }
            }

            return list;
        }
    }

    /// <summary>The hotplug events waiting for the guest, oldest first (a snapshot).</summary>
    /// <returns>The events.</returns>
    public IReadOnlyList<HotplugEvent> GetQueuedEvents()
    {
        lock (_sync)
        {
            return _events.Items.ToArray();
        }
    }

    /// <summary>
    /// Machine reset (SPEC section 5): pending unplugs complete (CompletedByReset), devices go to their ready
    /// state and empty connectors to their empty state, physical DR indicators follow, the hotplug event queue
    /// is emptied, and the guest's negotiation is forgotten (it renegotiates at boot).
    /// </summary>
    public void Reset()
    {
        try
        {
            lock (_sync)
            {
                ThrowIfDisposed();
                ResetLocked("machine reset");
                _events.Clear();
                _hotplugEventsNegotiated = false;
                AssertInvariantsInDebug();
            }
        }
        finally
        {
            Dispatch();
        }
    }

    /// <summary>
    /// The guest's client-architecture-support negotiation: resets the connectors as <see cref="Reset"/> does,
    /// drops only hotplug events, and records whether the guest negotiated the hot-plug event class (from then on
    /// events use that class, and memory Add events are count-indexed).
    /// </summary>
    /// <param name="hotplugEvents">Whether the guest negotiated the hot-plug event class.</param>
    public void NegotiateClientArchitecture(bool hotplugEvents = true)
    {
        try
        {
            lock (_sync)
            {
                ThrowIfDisposed();
                ResetLocked("client-architecture-support");

                // Every event this library queues is a hotplug event; other sources are the emulator's.
                _events.Clear();
                _hotplugEventsNegotiated = hotplugEvents;
                AssertInvariantsInDebug();
            }
        }
        finally
        {
            Dispatch();
        }
    }

    /// <summary>
    /// Checks every invariant of every connector and of the registry; throws <see cref="InvalidOperationException"/>
    /// naming the first broken one. Cheap enough for tests after every step; Debug builds run it after each host operation.
    /// </summary>
    /// <exception cref="InvalidOperationException">An invariant does not hold.</exception>
    public void AssertInvariants()
    {
        lock (_sync)
        {
            var requests = new HashSet<UnplugRequest>();
            var listed = new HashSet<SpaprDrc>();
            foreach (var drc in _changes.Enlisted())
            {
                Check(listed.Add(drc), drc, "listed twice as changed");
                Check(drc.IsEnlisted || drc.IsRemoved, drc, "on the change list but not marked as listed");
            }

            int devices = 0;
            foreach (var drc in _connectors.Values)
            {
                devices += drc.Attachment is null ? 0 : 1;
                Check(!drc.IsRemoved, drc, "removed but still registered");
                Check(drc.IsEnlisted == listed.Contains(drc), drc, "its change-list mark disagrees with the list");
                Check(drc.IsEnlisted || drc.IsInColdPlugState, drc, "differs from cold plug but is not on the change list (a snapshot would leave it out)");
                var state = drc.State;
                bool validForClass = drc.Class == DrcClass.Logical
                    ? state is >= DrcState.LogicalUnusable and <= DrcState.LogicalConfigured
                    : state is DrcState.PhysicalPowerOn or DrcState.PhysicalUnisolate or DrcState.PhysicalConfigured;
                Check(validForClass, drc, $"state {state} is not valid for a {drc.Class} connector");
                Check(drc.Attachment is not null || state == DrcTypeInfo.EmptyStateOf(drc.Class), drc, "no device but not in the empty state");
                Check(drc.Class == DrcClass.Physical || drc.DrIndicator == DrIndicator.Inactive, drc, "a logical connector has a DR indicator");
                Check(drc.Cursor == 0 || (drc.Attachment?.FlatIfBuilt is { } flat && drc.Cursor < flat.Tokens.Length), drc, "configure-connector cursor out of range");
                if (drc.Request is { } request)
                {
                    Check(drc.Attachment is not null, drc, "an unplug is pending without a device");
                    Check(!request.Ended, drc, "an ended request is still attached");
                    Check(request.Remaining.Contains(drc), drc, "the request does not list its connector");
                    Check(ReferenceEquals(request.Device, drc.Device), drc, "the request names another device");
                    requests.Add(request);
                }
            }

            foreach (var request in requests)
            {
                foreach (var member in request.Remaining)
                {
                    Check(ReferenceEquals(member.Request, request), member, "a connector the request waits for is not marked");
                }

                Check(request.Deadline is null || !request.TimedOut, request.Primary, "a timed-out request still has a deadline");
            }

            Check(requests.Count == _pendingCount, null, $"pending count {_pendingCount} but {requests.Count} requests pending");
            Check(devices == _changes.DeviceCount, null, $"device count {_changes.DeviceCount} but {devices} connectors hold a device");
        }

        static void Check(bool condition, SpaprDrc? drc, string what)
        {
            if (!condition)
            {
                throw new InvalidOperationException(drc is null ? $"Invariant broken: {what}." : $"Invariant broken on {drc.Name} ({drc.Index}): {what}.");
            }
        }
    }

    /// <summary>Stops every unplug timer; nothing fires afterwards. Pending requests stay as they are.</summary>
    public void Dispose()
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _timers.Dispose();
        }

        _metrics.Dispose();
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    internal SpaprDrc[] Ordered()
    {
        if (_ordered is null)
        {
            var array = new SpaprDrc[_connectors.Count];
            _connectors.Values.CopyTo(array, 0);
            Array.Sort(array, static (a, b) => a.Index.Value.CompareTo(b.Index.Value));
            _ordered = array;
        }

        return _ordered;
    }

    /// <summary>The connectors that may differ from cold plug, and the device count (see <see cref="ChangedConnectors"/>).</summary>
    internal ChangedConnectors Changes => _changes;

    internal bool TryGetLocked(uint index, [NotNullWhen(true)] out SpaprDrc? drc) => _connectors.TryGetValue(index, out drc);

    /// <summary>Runs guest work under the lock, then raises what it caused. Used by the RTAS surface.</summary>
    internal T RunGuest<TState, T>(TState state, Func<DrcRegistry, TState, T> work)
    {
        try
        {
            lock (_sync)
            {
                return work(this, state);
            }
        }
        finally
        {
            Dispatch();
        }
    }

    /// <summary>Applies one row of the transition table (SPEC section 3) and its effects.</summary>
    internal RtasStatus ApplyTransition(SpaprDrc drc, RtasIndicator indicator, uint value)
    {
        if (!DrcTransitionTable.TryFind(drc.Class, indicator, value, drc.State, drc.Attachment is not null, drc.Request is not null, drc.Type == DrcType.Lmb, out var rule))
        {
            return RtasStatus.ParameterError;
        }

        var old = drc.State;
        if (rule.Status == RtasStatus.Success)
        {
            drc.State = rule.To;
            if ((rule.Effects & DrcTransitionEffects.RewindCursor) != 0)
            {
                drc.Cursor = 0;
            }

            if ((rule.Effects & DrcTransitionEffects.ReleaseIfPending) != 0 && drc.Request is not null)
            {
                Release(drc, UnplugOutcome.Completed);
            }

            if ((rule.Effects & DrcTransitionEffects.RejectUnplug) != 0 && drc.Request is { } request)
            {
                RejectLocked(request);
            }
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            Log.StateChanged(_logger, drc.Index, drc.Name, indicator == RtasIndicator.Isolation ? "isolation" : "allocation", value, old, drc.State, (int)rule.Status);
        }

        return rule.Status;
    }

    /// <summary>The guest rejected a pending unplug: the whole request (every LMB of a memory device) rolls back.</summary>
    internal void RejectLocked(UnplugRequest request)
    {
        Log.UnplugRejected(_logger, request.Primary.Index, request.Primary.Name, request.Device);
        EndRequest(request, UnplugOutcome.RejectedByGuest);
    }

    internal void Dispatch()
    {
        // Notifications are raised outside the state lock, in the order they were queued. One thread drains at a
        // time; a thread that finds another draining leaves its items to it, and re-checks after the drainer exits.
        // A handler that calls back into the registry is already inside the drain loop on this thread (the monitor
        // is reentrant): draining here would raise later items before the current one reached every handler.
        if (Monitor.IsEntered(_dispatchSync))
        {
            return;
        }

        while (true)
        {
            if (!Monitor.TryEnter(_dispatchSync))
            {
                return;
            }

            try
            {
                // Everything queued so far is taken in one lock hold and raised outside it: thousands of timeouts
                // firing at once cost one lock acquisition here, not one each against the callers of the registry.
                // Items a handler queues meanwhile come after the batch, as they would one by one.
                var batch = _dispatchBatch;
                while (true)
                {
                    lock (_sync)
                    {
                        while (_outbox.TryDequeue(out var queued))
                        {
                            batch.Add(queued);
                        }
                    }

                    if (batch.Count == 0)
                    {
                        break;
                    }

                    // Counted before it is raised: should anything escape Raise (handler failures do not), that item
                    // is not raised twice, and the rest of the batch stays first in line for the next drain.
                    int done = 0;
                    try
                    {
                        while (done < batch.Count)
                        {
                            var (kind, args) = batch[done++];
                            Raise(kind, args);
                        }
                    }
                    finally
                    {
                        batch.RemoveRange(0, done);
                    }
                }
            }
            finally
            {
                Monitor.Exit(_dispatchSync);
            }

            lock (_sync)
            {
                if (_outbox.Count == 0)
                {
                    return;
                }
            }
        }
    }

    private void Raise(Notification kind, EventArgs args)
    {
        Delegate? handlers = kind switch
        {
            Notification.UnplugCompleted => UnplugCompleted,
            Notification.UnplugTimedOut => UnplugTimedOut,
            Notification.UnplugRejectedByGuest => UnplugRejectedByGuest,
            Notification.UnplugCancelled => UnplugCancelled,
            _ => HotplugEventQueued,
        };
        if (handlers is null)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList())
        {
            try
            {
                if (handler is EventHandler<UnplugEventArgs> unplug)
                {
                    unplug(this, (UnplugEventArgs)args);
                }
                else
                {
                    ((EventHandler<HotplugEventQueuedEventArgs>)handler)(this, (HotplugEventQueuedEventArgs)args);
                }
            }
#pragma warning disable CA1031 // A handler is the emulator's code; its failure must not break the registry or the clock.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.HandlerFailed(_logger, ex, kind.ToString());
            }
        }
    }

    private void RunTimerWork(Action work)
    {
        try
        {
            lock (_sync)
            {
                work();
            }
        }
        finally
        {
            Dispatch();
        }
    }

    private SpaprDrc CreateLocked(DrcIndex index, DrcIndex? owner)
    {
        if (_connectors.ContainsKey(index.Value))
        {
            throw Duplicate(index);
        }

        var drc = new SpaprDrc(this, index, owner);
        _connectors.Add(index.Value, drc);
        _ordered = null;
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            Log.ConnectorCreated(_logger, index, drc.Name);
        }

        return drc;
    }

    private static InvalidOperationException Duplicate(DrcIndex index) =>
        new($"A connector with index {index} ({DrcTypeInfo.NameOf(index)}) already exists.");

    private bool CheckAttachable(DrcIndex index, [NotNullWhen(true)] out SpaprDrc? drc, [NotNullWhen(false)] out string? error)
    {
        if (!_connectors.TryGetValue(index.Value, out drc))
        {
            error = $"No connector with index {index}.";
            return false;
        }

        if (drc.Attachment is not null)
        {
            error = $"{drc.Name} ({drc.Index}) already has a device attached.";
            drc = null;
            return false;
        }

        if (drc.State != DrcTypeInfo.EmptyStateOf(drc.Class))
        {
            error = $"{drc.Name} ({drc.Index}) is not in its empty state ({drc.State}).";
            drc = null;
            return false;
        }

        error = null;
        return true;
    }

    private void AttachLocked(SpaprDrc drc, Attachment attachment, PlugMode mode)
    {
        drc.Attachment = attachment;
        drc.Cursor = 0;
        if (mode == PlugMode.Cold)
        {
            // Cold plug = attach then reset: the ready state, and the DR indicator a reset gives.
            drc.State = DrcTypeInfo.ReadyStateOf(drc.Class);
            if (drc.Class == DrcClass.Physical)
            {
                drc.DrIndicator = DrIndicator.Active;
            }
        }

        Log.Attached(_logger, drc.Index, drc.Name, attachment.Device, mode, drc.State);
    }

    private bool TryHotPlugPciFunction(SpaprDrc drc, object device, DeviceTreeNode? fragment, [NotNullWhen(false)] out string? error)
    {
        uint function = drc.Id & 7;
        _connectors.TryGetValue(drc.Index.Value & ~7u, out var function0);
        if (function != 0 && function0?.Attachment is not null)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"PCI: slot {(drc.Id & 0xFF) >> 3} function 0 already occupied, additional functions can no longer be exposed to the guest.");
            return false;
        }

        AttachLocked(drc, new Attachment(device, fragment, null), PlugMode.Hot);
        if (function == 0)
        {
            // Function 0 makes the slot visible: announce it, then every function already waiting behind it.
            QueueEvent(HotplugType.Pci, HotplugAction.Add, HotplugIdentifier.DrcIndex, drc.Index, 1);
            foreach (var other in SlotFunctions(drc))
            {
                if (other != drc && other.Attachment is not null)
                {
                    QueueEvent(HotplugType.Pci, HotplugAction.Add, HotplugIdentifier.DrcIndex, other.Index, 1);
                }
            }
        }

        error = null;
        return true;
    }

    /// <summary>The connectors of the PCI slot of <paramref name="drc"/>, functions 0 to 7 that exist.</summary>
    private IEnumerable<SpaprDrc> SlotFunctions(SpaprDrc drc)
    {
        uint base0 = drc.Index.Value & ~7u;
        for (uint f = 0; f < 8; f++)
        {
            if (_connectors.TryGetValue(base0 | f, out var function))
            {
                yield return function;
            }
        }
    }

    private UnplugRequestResult RequestUnplugLocked(DrcIndex index, TimeSpan? timeoutOverride)
    {
        if (!_connectors.TryGetValue(index.Value, out var drc))
        {
            return new UnplugRequestResult(UnplugRequestStatus.NoDevice, index, null, $"No connector with index {index}.");
        }

        if (drc.Attachment is null)
        {
            return new UnplugRequestResult(UnplugRequestStatus.NoDevice, index, null, $"{drc.Name} ({index}) has no device to unplug.");
        }

        if (drc.Type == DrcType.Cpu && _options.BootCpuId == drc.Id)
        {
            return new UnplugRequestResult(UnplugRequestStatus.NotAllowed, index, null, "Boot CPU core may not be unplugged.");
        }

        if (drc.Request is { } existing)
        {
            // A retry keeps the request's own timeout (perhaps an override) unless this call gives another.
            return RepeatRequest(drc, existing, timeoutOverride ?? existing.Timeout);
        }

        var timeout = timeoutOverride ?? _options.GetUnplugTimeout(drc.Type);

        var now = TimeProvider.GetUtcNow();

        // The common case (one device, e.g. one LMB) makes one request; only a PCI function 0 makes a list.
        UnplugRequest first;
        List<UnplugRequest>? slot = null;
        if (drc.Type == DrcType.Pci && (drc.Id & 7) == 0)
        {
            // Function 0 takes the whole slot along: one request per present function.
            slot = [];
            foreach (var function in SlotFunctions(drc))
            {
                if (function.Attachment is not null && function.Request is null)
                {
                    slot.Add(NewRequest(function, [function], function.Attachment.Device, now, timeout));
                }
            }

            first = slot[0];
        }
        else if (drc.Attachment.Group is { } group)
        {
            var members = new List<SpaprDrc>(group.Members.Length);
            foreach (var m in group.Members)
            {
                if (ReferenceEquals(m.Attachment?.Group, group))
                {
                    members.Add(m);
                }
            }

            first = NewRequest(members[0], members, group.Device, now, timeout);
        }
        else
        {
            first = NewRequest(drc, [drc], drc.Attachment.Device, now, timeout);
        }

        // Connectors the guest never took are released at once.
        bool allDone;
        if (slot is null)
        {
            ReleaseUntaken(first);
            QueueRemoveEvents(drc, first);
            allDone = first.Ended;
            Arm(first, now);
        }
        else
        {
            foreach (var request in slot)
            {
                ReleaseUntaken(request);
            }

            QueueRemoveEvents(drc, first);
            allDone = slot.TrueForAll(r => r.Ended);
            foreach (var request in slot)
            {
                Arm(request, now);
            }
        }

        var status = allDone ? UnplugRequestStatus.CompletedImmediately : UnplugRequestStatus.Requested;
        _metrics.RequestAccepted(status);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            Log.UnplugRequested(_logger, drc.Index, drc.Name, first.Device, status, timeout);
        }

        return new UnplugRequestResult(status, index, allDone ? null : timeout);
    }

    private UnplugRequestResult RepeatRequest(SpaprDrc drc, UnplugRequest existing, TimeSpan timeout)
    {
        var now = TimeProvider.GetUtcNow();
        if (existing.Deadline is { } deadline)
        {
            var left = deadline - now;
            if (left < TimeSpan.Zero)
            {
                left = TimeSpan.Zero;
            }

            return new UnplugRequestResult(UnplugRequestStatus.AlreadyPending, drc.Index, left,
                string.Create(CultureInfo.InvariantCulture, $"{drc.Name} ({drc.Index}) unplug is still pending, {Math.Ceiling(left.TotalSeconds):0} seconds timeout remaining."));
        }

        if (existing.TimedOut || drc.Type == DrcType.Cpu)
        {
            // Retry: after a KeepPending timeout (any type), or the upstream CPU re-send when there is no timeout.
            // Function 0 stands for its slot: the Remove events go out for every function, so every timed-out
            // request of the slot is re-armed with it.
            var retried = drc.Type == DrcType.Pci && (drc.Id & 7) == 0
                ? SlotFunctions(drc).Select(f => f.Request).OfType<UnplugRequest>().Where(r => r == existing || r.TimedOut).Distinct().ToList()
                : [existing];
            foreach (var request in retried)
            {
                request.TimedOut = false;
                request.Timeout = timeout;
            }

            QueueRemoveEvents(drc, existing);
            foreach (var request in retried)
            {
                Arm(request, now);
            }

            _metrics.RequestAccepted(UnplugRequestStatus.Retried);
            if (_logger.IsEnabled(LogLevel.Information))
            {
                Log.UnplugRequested(_logger, drc.Index, drc.Name, existing.Device, UnplugRequestStatus.Retried, timeout);
            }

            return new UnplugRequestResult(UnplugRequestStatus.Retried, drc.Index, timeout);
        }

        return new UnplugRequestResult(UnplugRequestStatus.AlreadyPending, drc.Index, Timeout.InfiniteTimeSpan,
            $"{drc.Name} ({drc.Index}) unplug already in progress.");
    }

    private UnplugRequest NewRequest(SpaprDrc primary, List<SpaprDrc> members, object device, DateTimeOffset now, TimeSpan timeout)
    {
        var request = new UnplugRequest(++_nextRequestId, primary, device, members, now, timeout);
        foreach (var member in members)
        {
            member.Request = request;
        }

        _pendingCount++;
        return request;
    }

    private void Arm(UnplugRequest request, DateTimeOffset now)
    {
        if (request.Ended || request.Timeout == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        request.Deadline = now + request.Timeout;
        request.TimerGeneration++;
        _timers.Schedule(request);
    }

    /// <summary>Connectors the guest never took are released at once.</summary>
    private void ReleaseUntaken(UnplugRequest request)
    {
        // Release edits Remaining, so walk a copy, but copy only when something is to be released.
        var remaining = request.Remaining;
        for (int i = 0; i < remaining.Count; i++)
        {
            if (remaining[i].State == DrcTypeInfo.EmptyStateOf(remaining[i].Class))
            {
                foreach (var member in remaining.ToArray())
                {
                    if (member.State == DrcTypeInfo.EmptyStateOf(member.Class))
                    {
                        Release(member, UnplugOutcome.Completed);
                    }
                }

                return;
            }
        }
    }

    /// <param name="drc">The connector the request named.</param>
    /// <param name="first">The request of <paramref name="drc"/> (for a slot, the first one); an LMB device's Remove event covers its connectors.</param>
    private void QueueRemoveEvents(SpaprDrc drc, UnplugRequest first)
    {
        switch (drc.Type)
        {
            case DrcType.Pci:
                // One Remove per function still present, 7 down to 0, including functions whose own unplug was
                // already pending (SPEC section 5); a non-zero function alone queues nothing.
                if ((drc.Id & 7) != 0)
                {
                    return;
                }

                foreach (var function in SlotFunctions(drc).Reverse())
                {
                    if (function.Attachment is not null)
                    {
                        QueueEvent(HotplugType.Pci, HotplugAction.Remove, HotplugIdentifier.DrcIndex, function.Index, 1);
                    }
                }

                break;
            case DrcType.Lmb:
                QueueEvent(HotplugType.Memory, HotplugAction.Remove, HotplugIdentifier.DrcCountIndexed, first.AllConnectors[0], (uint)first.AllConnectors.Length);
                break;
            default:
                QueueEvent(HotplugTypeOf(drc.Type), HotplugAction.Remove, HotplugIdentifier.DrcIndex, drc.Index, 1);
                break;
        }
    }

    /// <summary>The unplug completes for one connector (SPEC section 3, "release").</summary>
    private void Release(SpaprDrc drc, UnplugOutcome outcome)
    {
        var request = drc.Request;
        var attachment = drc.Attachment;
        drc.Attachment = null;
        drc.Request = null;
        drc.Cursor = 0;
        if (attachment is not null)
        {
            if (_logger.IsEnabled(LogLevel.Information))
            {
                Log.Released(_logger, drc.Index, drc.Name, attachment.Device, outcome);
            }
        }

        if (request is not null)
        {
            request.Remaining.Remove(drc);
            if (request.Remaining.Count == 0)
            {
                EndRequest(request, outcome);
            }
        }

        if (drc.Type == DrcType.Phb)
        {
            RemoveOwnedConnectors(drc.Index, outcome);
        }
    }

    /// <summary>A PHB's device took its PCI connectors along: they leave the machine.</summary>
    private void RemoveOwnedConnectors(DrcIndex owner, UnplugOutcome outcome)
    {
        foreach (var owned in Ordered())
        {
            if (owned.Owner != owner)
            {
                continue;
            }

            if (owned.Request is not null)
            {
                Release(owned, outcome);
            }

            _connectors.Remove(owned.Index.Value);
            _changes.Removed(owned);
            _ordered = null;
            _structureChanged = true;
            Log.ConnectorRemoved(_logger, owned.Index, owned.Name);
        }
    }

    /// <summary>Ends a request with its terminal outcome: flags cleared, timer stopped, one notification.</summary>
    private void EndRequest(UnplugRequest request, UnplugOutcome outcome)
    {
        request.Ended = true;
        request.Deadline = null;
        request.TimerGeneration++;
        foreach (var member in request.Remaining)
        {
            if (ReferenceEquals(member.Request, request))
            {
                member.Request = null;
            }
        }

        _pendingCount--;
        Notify(outcome switch
        {
            UnplugOutcome.Completed or UnplugOutcome.CompletedByReset => Notification.UnplugCompleted,
            UnplugOutcome.RejectedByGuest => Notification.UnplugRejectedByGuest,
            UnplugOutcome.Cancelled => Notification.UnplugCancelled,
            _ => Notification.UnplugTimedOut,
        }, request, outcome, isTerminal: true);
    }

    private void OnUnplugTimeout(UnplugRequest request)
    {
        if (_logger.IsEnabled(LogLevel.Warning))
        {
            Log.UnplugTimedOut(_logger, request.Primary.Index, request.Primary.Name, request.Device, request.Timeout, _options.TimeoutPolicy);
        }

        if (_options.TimeoutPolicy == UnplugTimeoutPolicy.ClearRequest)
        {
            EndRequest(request, UnplugOutcome.TimedOut);
        }
        else
        {
            request.TimedOut = true;
            Notify(Notification.UnplugTimedOut, request, UnplugOutcome.TimedOut, isTerminal: false);
        }

        AssertInvariantsInDebug();
    }

    private void Notify(Notification kind, UnplugRequest request, UnplugOutcome outcome, bool isTerminal)
    {
        _metrics.Notified(outcome);
        _outbox.Enqueue((kind, new UnplugEventArgs(request.Primary.Index, request.Device, request.AllConnectors, outcome, isTerminal, request.RequestedAt, TimeProvider.GetUtcNow(), request.Id)));
    }

    private void ResetLocked(string reason)
    {
        int released = 0;

        // Pending unplugs complete first. A release may remove connectors (a PHB's PCI slots): then start over.
        bool again = true;
        while (again)
        {
            again = false;
            _structureChanged = false;
            foreach (var drc in Ordered())
            {
                if (drc.Request is not null)
                {
                    Release(drc, UnplugOutcome.CompletedByReset);
                    released++;
                    if (_structureChanged)
                    {
                        again = true;
                        break;
                    }
                }
            }
        }

        foreach (var drc in Ordered())
        {
            bool present = drc.Attachment is not null;
            drc.State = present ? DrcTypeInfo.ReadyStateOf(drc.Class) : DrcTypeInfo.EmptyStateOf(drc.Class);
            drc.Cursor = 0;
            if (drc.Class == DrcClass.Physical)
            {
                drc.DrIndicator = present ? DrIndicator.Active : DrIndicator.Inactive;
            }
        }

        Log.Reset(_logger, _connectors.Count, reason, released);
    }

    internal void QueueEvent(HotplugType type, HotplugAction action, HotplugIdentifier identifier, DrcIndex index, uint count)
    {
        var eventClass = _hotplugEventsNegotiated ? RtasEventClasses.Hotplug : RtasEventClasses.Epow;
        var e = new HotplugEvent(type, action, identifier, index, count, eventClass, _nextLogId++, TimeProvider.GetUtcNow());
        _events.Add(e);
        _metrics.HotplugEventQueued();
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            Log.HotplugEventQueued(_logger, type, action, identifier, index, count, eventClass, e.LogId);
        }

        _outbox.Enqueue((Notification.HotplugEventQueued, new HotplugEventQueuedEventArgs(e)));
    }

    /// <summary>The first queued event (FIFO) whose class is in <paramref name="mask"/>, and its position; the caller removes it.</summary>
    internal HotplugEvent? PeekEvent(uint mask, out int position) => _events.Peek(mask, out position);

    internal void RemoveEventAt(int position) => _events.RemoveAt(position);

    internal static HotplugType HotplugTypeOf(DrcType type) => type switch
    {
        DrcType.Cpu => HotplugType.Cpu,
        DrcType.Lmb => HotplugType.Memory,
        DrcType.Phb => HotplugType.Phb,
        DrcType.Pci => HotplugType.Pci,
        _ => HotplugType.Pmem,
    };

    [Conditional("DEBUG")]
    private void AssertInvariantsInDebug() => AssertInvariants();
}
