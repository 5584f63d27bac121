namespace Spapr.Drc;

/// <summary>
/// Every unplug deadline of one registry on a single timer: (slot, arm sequence) entries in deadline order
/// (<see cref="DeadlineQueue"/>), with the timer armed for the earliest. One OS timer per machine instead of one per pending request
/// keeps thousands of simultaneous LMB timeouts cheap (see the README's performance section). Entries are never
/// removed early: a request whose timer changed has a new arm sequence, and the stale entry is skipped when it comes
/// up. The timer's callback is the coordinator's; every other method runs under the registry lock.
/// </summary>
internal sealed class UnplugTimerQueue : IDisposable
{
    /// <summary>How soon the callback comes back when it gave way to the registry's other callers.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(1);

    private readonly DeadlineQueue _queue = new();
    private readonly Func<Entry, bool> _isLive;

    // The live heap entries while the heap is rebuilt without its stale ones; kept, so a compaction allocates nothing once it has grown.
    private readonly List<(Entry, DeadlineKey)> _live = [];
    private readonly TimeProvider _time;
    private readonly UnplugCoordinator _owner;
    private readonly bool _millisecondTimers;
    private ITimer? _timer;
    private long _armedFor = UnplugRequestTable.NoTicks;
    private volatile bool _disposed;
    private int _nextCompactionCheck = 1024;

    public UnplugTimerQueue(TimeProvider time, UnplugCoordinator owner)
    {
        _time = time;
        _owner = owner;
        _millisecondTimers = HasMillisecondTimers(time);
        _isLive = entry => owner.IsLiveTimer(entry.Slot, entry.Sequence);
    }

    /// <summary>Whether the single timer has been created (only once a timeout is first needed).</summary>
    public bool HasTimer => _timer is not null;

    /// <summary>Entries in the queue, stale ones included.</summary>
    public int Count => _queue.Count;

    /// <summary>Makes room for <paramref name="entries"/> entries (doubling).</summary>
    public void EnsureCapacity(int entries)
    {
        if (!_disposed)
        {
            _queue.EnsureCapacity(entries);
        }
    }

    public void Schedule(int slot, long sequence, long deadlineTicks, long requestId)
    {
        if (_disposed)
        {
            return;
        }

        _queue.Enqueue(new Entry(slot, sequence), new DeadlineKey(deadlineTicks, requestId));
        if (_armedFor == UnplugRequestTable.NoTicks || deadlineTicks < _armedFor)
        {
            Arm(deadlineTicks);
        }

        // Ended requests leave stale entries; look for them each time the queue doubles (amortized O(1))
        // and drop them when they dominate, so memory stays bounded.
        if (_queue.Count >= _nextCompactionCheck)
        {
            if (_queue.Count > 2 * _queue.CountWhere(_isLive))
            {
                _queue.RemoveWhereNot(_isLive, _live);
            }

            _nextCompactionCheck = Math.Max(1024, 2 * _queue.Count);
        }
    }

    /// <summary>The earliest entry, live or stale.</summary>
    public bool TryPeek(out int slot, out long sequence, out long deadlineTicks)
    {
        if (_queue.TryPeek(out var entry, out var key))
        {
            (slot, sequence, deadlineTicks) = (entry.Slot, entry.Sequence, key.Ticks);
            return true;
        }

        (slot, sequence, deadlineTicks) = (0, 0, 0);
        return false;
    }

    public void Dequeue() => _queue.Dequeue();

    /// <summary>Whether the callback should come back later rather than wait for a busy registry lock (system timers).</summary>
    public bool DefersWhenBusy => _millisecondTimers;

    /// <summary>
    /// The callback found the registry lock busy: the timer fires again in a millisecond. Called without the lock; a
    /// request that arms the timer meanwhile for an earlier deadline is at most that millisecond late.
    /// </summary>
    public void RetrySoon()
    {
        try
        {
            if (!_disposed)
            {
                _timer?.Change(RetryDelay, Timeout.InfiniteTimeSpan);
            }
        }
        catch (ObjectDisposedException)
        {
            // The registry was disposed meanwhile: nothing is left to time out.
        }
    }

    /// <summary>The callback is running: no timer is armed until <see cref="Arm"/> is called again.</summary>
    public void Fired() => _armedFor = UnplugRequestTable.NoTicks;

    /// <summary>
    /// Drops every entry and schedules these instead (a snapshot load ended every request the queue held), with one
    /// timer change rather than one per entry.
    /// </summary>
    public void ReplaceAll(List<(Entry Entry, DeadlineKey Key)> entries)
    {
        if (_disposed)
        {
            return;
        }

        _queue.Clear();
        foreach (var (entry, key) in entries)
        {
            _queue.Enqueue(entry, key);
        }

        _nextCompactionCheck = Math.Max(1024, 2 * _queue.Count);
        if (_queue.TryPeek(out _, out var first))
        {
            Arm(first.Ticks);
        }
        else if (_armedFor != UnplugRequestTable.NoTicks)
        {
            _armedFor = UnplugRequestTable.NoTicks;
            _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _queue.Clear();
        _timer?.Dispose();
        _timer = null;
        _armedFor = UnplugRequestTable.NoTicks;
    }

    /// <summary>Arms the timer for <paramref name="deadlineTicks"/> (UTC ticks of the registry's clock).</summary>
    public void Arm(long deadlineTicks)
    {
        if (_disposed)
        {
            return;
        }

        var due = DueTime(new DateTimeOffset(deadlineTicks, TimeSpan.Zero), _time.GetUtcNow(), _millisecondTimers);

        // Created disabled, stored, then armed: a fake clock may fire a zero due time inside CreateTimer.
        _timer ??= _time.CreateTimer(static state => ((UnplugCoordinator)state!).OnTimer(), _owner, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _armedFor = deadlineTicks;
        _timer.Change(due, Timeout.InfiniteTimeSpan);
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

    /// <summary>A queued timeout: the request's slot and the arm it belongs to.</summary>
    internal readonly record struct Entry(int Slot, long Sequence);

    /// <summary>
    /// A queue key: the deadline's ticks, then the request id, so equal deadlines (a PCI slot's functions, requests made
    /// at one instant) fire in the order the requests were made. 16 bytes and a plain compare the heap inlines.
    /// </summary>
    internal readonly struct DeadlineKey(long ticks, long requestId) : IComparable<DeadlineKey>
    {
        public long Ticks { get; } = ticks;

        public long RequestId { get; } = requestId;

        public int CompareTo(DeadlineKey other) => Ticks != other.Ticks ? Ticks.CompareTo(other.Ticks) : RequestId.CompareTo(other.RequestId);
    }
}
