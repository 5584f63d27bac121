namespace Spapr.Drc;

/// <summary>
/// Every unplug deadline of one registry on a single timer: a priority queue keyed by deadline, with the
/// timer armed for the earliest. One OS timer per machine instead of one per pending connector keeps
/// thousands of simultaneous LMB timeouts cheap (see the README's performance section).
/// Entries are never removed early: a request whose deadline changed bumps its generation, and the stale
/// entry is skipped when it comes up. Every method except the timer callback runs under the registry lock.
/// </summary>
internal sealed class UnplugTimerQueue(TimeProvider timeProvider, Action<Action> runLocked, Action<UnplugRequest> onTimeout, Action<Exception> onFailure) : IDisposable
{
    /// <summary>How many timeouts one lock hold processes before their notifications go out.</summary>
    internal const int MaxTimeoutsPerLockHold = 1024;

    // Keyed by deadline, then by request id: equal deadlines (a PCI slot's functions, requests made at one instant)
    // fire in the order the requests were made, not in whatever order the heap leaves them.
    private readonly PriorityQueue<(UnplugRequest Request, int Generation), DeadlineKey> _queue = new();
    private readonly bool _millisecondTimers = HasMillisecondTimers(timeProvider);
    private ITimer? _timer;
    private DateTimeOffset? _armedFor;
    private bool _disposed;
    private int _nextCompactionCheck = 1024;

    /// <summary>Whether the single timer has been created (only once a timeout is first needed).</summary>
    public bool HasTimer => _timer is not null;

    /// <summary>Entries in the queue, stale ones included.</summary>
    public int Count => _queue.Count;

    public void Schedule(UnplugRequest request)
    {
        if (_disposed || request.Deadline is not { } deadline)
        {
            return;
        }

        _queue.Enqueue((request, request.TimerGeneration), new DeadlineKey(deadline, request.Id));
        if (_armedFor is null || deadline < _armedFor.Value)
        {
            Arm(deadline);
        }

        // Ended requests leave stale entries; look for them each time the queue doubles (amortized O(1))
        // and drop them when they dominate, so memory stays bounded.
        if (_queue.Count >= _nextCompactionCheck)
        {
            if (_queue.Count > 2 * LiveCount())
            {
                Compact();
            }

            _nextCompactionCheck = Math.Max(1024, 2 * _queue.Count);
        }
    }

    /// <summary>
    /// Drops every entry and schedules these requests instead (a snapshot load ended every request the queue held).
    /// One heap build instead of an insertion per request, and one timer change.
    /// </summary>
    public void ReplaceAll(UnplugRequest[] requests)
    {
        if (_disposed)
        {
            return;
        }

        _queue.Clear();
        var entries = new List<((UnplugRequest, int), DeadlineKey)>(requests.Length);
        foreach (var request in requests)
        {
            if (request.Deadline is { } deadline)
            {
                entries.Add(((request, request.TimerGeneration), new DeadlineKey(deadline, request.Id)));
            }
        }

        _queue.EnqueueRange(entries);
        _nextCompactionCheck = Math.Max(1024, 2 * _queue.Count);
        if (_queue.TryPeek(out _, out var first))
        {
            Arm(first.Deadline);
        }
        else if (_armedFor is not null)
        {
            _armedFor = null;
            _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _queue.Clear();
        _timer?.Dispose();
        _timer = null;
        _armedFor = null;
    }

    private int LiveCount()
    {
        int live = 0;
        foreach (var (entry, _) in _queue.UnorderedItems)
        {
            if (IsLive(entry))
            {
                live++;
            }
        }

        return live;
    }

    private void Compact()
    {
        var live = new List<((UnplugRequest, int), DeadlineKey)>();
        foreach (var (entry, key) in _queue.UnorderedItems)
        {
            if (IsLive(entry))
            {
                live.Add((entry, key));
            }
        }

        _queue.Clear();
        _queue.EnqueueRange(live);
    }

    /// <summary>The due time to arm for <paramref name="deadline"/>: never negative, and never early on a timer that drops sub-milliseconds.</summary>
    internal static TimeSpan DueTime(DateTimeOffset deadline, DateTimeOffset now, bool millisecondTimers)
    {
        var due = deadline - now;
        if (due < TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        // The system's timers count whole milliseconds and drop the rest: 0.6 ms would fire at once, find nothing
        // due and re-arm, over and over until the deadline (a burst of requests made microseconds apart keeps a
        // thread busy that way for as long as the burst took). Rounding up gives one fire, under a millisecond
        // late. Other clocks (FakeTimeProvider) fire to the tick and are left exact.
        long remainder = due.Ticks % TimeSpan.TicksPerMillisecond;
        return millisecondTimers && remainder != 0 ? due + TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond - remainder) : due;
    }

    /// <summary>Whether timers of <paramref name="provider"/> are the system's (millisecond) timers.</summary>
    internal static bool HasMillisecondTimers(TimeProvider provider) =>
        ReferenceEquals(provider, TimeProvider.System) || (provider is PausableTimeProvider pausable && HasMillisecondTimers(pausable.InnerTimeProvider));

    private static bool IsLive((UnplugRequest Request, int Generation) entry) =>
        !entry.Request.Ended && entry.Request.Deadline is not null && entry.Generation == entry.Request.TimerGeneration;

    private void Arm(DateTimeOffset deadline)
    {
        var due = DueTime(deadline, timeProvider.GetUtcNow(), _millisecondTimers);

        // Created disabled, stored, then armed: a fake clock may fire a zero due time inside CreateTimer.
        _timer ??= timeProvider.CreateTimer(static state => ((UnplugTimerQueue)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _armedFor = deadline;
        _timer.Change(due, Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        // A timer callback must never throw: on the thread pool it would crash the process, and on a
        // FakeTimeProvider it would wedge the clock for good.
        try
        {
            // About a thousand timeouts per lock hold (under a millisecond), their notifications raised in between:
            // a mass timeout (16,384 LMBs) neither holds the lock long enough to stall vCPU threads' RTAS calls nor
            // queues every notification at once. Smaller batches cost more in lock hand-offs on a busy machine.
            bool more = true;
            while (more)
            {
                more = false;
                runLocked(() => more = ProcessDue(MaxTimeoutsPerLockHold));
            }
        }
#pragma warning disable CA1031 // The callback is a process boundary; failures are logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            onFailure(ex);
        }
    }

    /// <summary>Times out up to <paramref name="max"/> due requests; true when more are due (call again after a dispatch).</summary>
    private bool ProcessDue(int max)
    {
        if (_disposed)
        {
            return false;
        }

        _armedFor = null;
        var now = timeProvider.GetUtcNow();
        int processed = 0;
        while (_queue.TryPeek(out var entry, out var key))
        {
            var deadline = key.Deadline;
            if (!IsLive(entry))
            {
                _queue.Dequeue();
                continue;
            }

            if (deadline > now)
            {
                Arm(deadline);
                return false;
            }

            if (processed == max)
            {
                return true;
            }

            _queue.Dequeue();
            entry.Request.Deadline = null;
            entry.Request.TimerGeneration++;
            onTimeout(entry.Request);
            processed++;
        }

        return false;
    }

    /// <summary>A queue key: the deadline's ticks, then the request id. 16 bytes and a plain compare the heap inlines.</summary>
    private readonly struct DeadlineKey(DateTimeOffset deadline, long requestId) : IComparable<DeadlineKey>
    {
        private readonly long _ticks = deadline.UtcTicks;
        private readonly long _requestId = requestId;

        public DateTimeOffset Deadline => new(_ticks, TimeSpan.Zero);

        public int CompareTo(DeadlineKey other) => _ticks != other._ticks ? _ticks.CompareTo(other._ticks) : _requestId.CompareTo(other._requestId);
    }
}
