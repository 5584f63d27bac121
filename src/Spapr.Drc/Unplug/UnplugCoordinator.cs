using Microsoft.Extensions.Logging;

namespace Spapr.Drc;

/// <summary>
/// The unplug lifecycle of one registry (SPEC sections 3, 5 and 6): requests, retries, cancels, guest releases and
/// rejections, timeouts, completion by reset, and devices removed with their owner; plus the hotplug event queue the
/// requests feed. Requests and events are flat records (<see cref="UnplugRequestTable"/>, <see cref="HotplugEventQueue"/>);
/// every deadline sits on one timer (<see cref="UnplugTimerQueue"/>) whose callback is this class's. Everything but
/// the timer callback runs under the registry lock, called by the registry facade and the RTAS surface.
/// </summary>
internal sealed partial class UnplugCoordinator : IDisposable
{
    /// <summary>How many timeouts one lock hold processes before their notifications go out.</summary>
    internal const int MaxTimeoutsPerLockHold = 1024;

    private readonly RegistryCore _core;
    private readonly UnplugRequestTable _requests = new();
    private readonly UnplugTimerQueue _timers;
    private readonly HotplugEventQueue _events = new();

    // Scratch lists reused by every request (no allocation once they have grown): the devices one request covers
    // (a PCI slot's functions), the runs of connectors its Remove events name, the connectors a reset releases.
    private readonly List<AttachedDevice> _batch = [];
    private readonly List<(uint First, uint Count)> _runs = [];
    private readonly List<SpaprDrc> _sweep = [];
    private SpaprDrc?[] _slotScratch = [];

    private int _devices;

    // The registry's activity count when the timer callback finished its last batch (see ProcessDueBatch).
    private int _activityAtLastBatch;
    private long _nextRequestId;
    private long _armSequence;
    private uint _nextLogId = 1;

    public UnplugCoordinator(RegistryCore core)
    {
        _core = core;
        _timers = new UnplugTimerQueue(core.Time, this);
    }

    /// <summary>Devices attached to the registry (the request table's bound: a device has at most one request).</summary>
    public int DeviceCount => _devices;

    /// <summary>
    /// A device was attached. The device may later have one request, which takes a slot, queues its Remove event and
    /// one timer entry: the tables grow here, with the devices, so that a burst of requests allocates nothing. Growing
    /// them during the burst instead put megabytes on the large-object heap mid-burst, and the full collection that
    /// followed walked every object of the machine: with 131,072 devices it cost more than the requests themselves.
    /// </summary>
    public void DeviceAttached()
    {
        _devices++;
        _requests.EnsureCapacity(_devices);
        _timers.EnsureCapacity(2 * _devices); // room for as many entries of ended requests, which stay until compacted
        _events.EnsureRoomFor(_devices);
        _core.Changes.ReserveForDevices();
    }

    /// <summary>Pending requests (read lock-free by the metrics gauge: a plain int).</summary>
    public int PendingCount => _requests.Count;

    public UnplugRequestTable Requests => _requests;

    public HotplugEventQueue Events => _events;

    public bool HasTimer => _timers.HasTimer;

    /// <summary>Timer-queue entries, stale ones included.</summary>
    public int TimerEntries => _timers.Count;

    /// <summary>The last request id handed out.</summary>
    public long LastRequestId => _nextRequestId;

    /// <summary>The platform log id the next event gets.</summary>
    public uint NextLogId => _nextLogId;

    public long IdOf(int slot) => _requests[slot].Id;

    public DateTimeOffset? DeadlineOf(int slot)
    {
        ref var record = ref _requests[slot];
        return record.TimerRunning ? new DateTimeOffset(record.DeadlineTicks, TimeSpan.Zero) : null;
    }

    /// <summary>Time left: the deadline less now; <see cref="Timeout.InfiniteTimeSpan"/> without a timeout; zero once it timed out.</summary>
    public TimeSpan TimeRemainingOf(int slot)
    {
        ref var record = ref _requests[slot];
        if (record.TimerRunning)
        {
            return TimeSpan.FromTicks(Math.Max(0, record.DeadlineTicks - _core.NowTicks));
        }

        return record.TimedOut ? TimeSpan.Zero : Timeout.InfiniteTimeSpan;
    }

    /// <summary>Queues a hotplug event for the guest and its notification (SPEC section 4).</summary>
    public void QueueEvent(HotplugType type, HotplugAction action, HotplugIdentifier identifier, uint index, uint count)
    {
        var eventClass = _core.Negotiated ? RtasEventClasses.Hotplug : RtasEventClasses.Epow;
        var e = new HotplugEventRecord(type, action, identifier, index, count, eventClass, _nextLogId++, _core.NowTicks);
        _events.Add(e);
        _core.Metrics.HotplugEventQueued();
        if (_core.Logger.IsEnabled(LogLevel.Debug))
        {
            Log.HotplugEventQueued(_core.Logger, type, action, identifier, new DrcIndex(index), count, eventClass, e.LogId);
        }

        if (_core.Outbox.IsHandled(NotificationKind.HotplugEventQueued))
        {
            _core.Outbox.Enqueue(QueuedNotification.Queued(e));
        }
    }

    /// <summary>Takes the event <see cref="HotplugEventQueue.Find"/> found for check-exception, noting when a request's Remove went to the guest.</summary>
    public HotplugEventRecord TakeEvent(int position)
    {
        var e = _events.At(position);
        _events.RemoveAt(position);
        if (e.Action == HotplugAction.Remove && e.HasIndex && _core.Connectors.TryGetValue(e.Index, out var drc)
            && drc.AttachedDevice is { RequestSlot: not 0 and var slot })
        {
            _requests[slot].RemoveTakenAtTicks = _core.NowTicks;
        }

        return e;
    }

    /// <summary>Whether a timer-queue entry is the live arm of a request (the queue skips and drops the others).</summary>
    public bool IsLiveTimer(int slot, long sequence) =>
        _requests.IsLive(slot) && _requests[slot].ArmSequence == sequence && _requests[slot].TimerRunning;

    /// <summary>Registry disposal: nothing fires afterwards.</summary>
    public void Dispose() => _timers.Dispose();

    private void Notify(UnplugOutcome outcome, bool isTerminal, AttachedDevice device, long requestId, long requestedAtTicks)
    {
        var kind = outcome switch
        {
            UnplugOutcome.RejectedByGuest => NotificationKind.UnplugRejectedByGuest,
            UnplugOutcome.Cancelled => NotificationKind.UnplugCancelled,
            UnplugOutcome.TimedOut => NotificationKind.UnplugTimedOut,
            _ => NotificationKind.UnplugCompleted,
        };
        _core.Metrics.Notified(outcome);
        if (!_core.Outbox.IsHandled(kind))
        {
            return;
        }

        _core.Outbox.Enqueue(QueuedNotification.Unplug(kind, outcome, isTerminal, device, requestId, requestedAtTicks, _core.NowTicks));
    }
}
