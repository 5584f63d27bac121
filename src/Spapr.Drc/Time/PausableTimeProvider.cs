namespace Spapr.Drc;

/// <summary>
/// A virtual clock: a <see cref="TimeProvider"/> wrapping another whose time and timers stand still while
/// paused, as QEMU's virtual clock stops while the guest is paused. Give it to a <see cref="DrcRegistry"/> and
/// call <see cref="Pause"/> when the emulator stops the guest and <see cref="Resume"/> when it runs again:
/// unplug timeouts then count guest time only. Thread-safe.
/// </summary>
/// <remarks>
/// <para>
/// Virtual time is the inner clock's time minus every paused interval, so while running it advances exactly
/// as the inner clock does and while paused it is frozen. <see cref="GetUtcNow"/> and <see cref="TimeProvider.GetTimestamp"/>
/// follow this rule, each against the matching clock of the inner provider; <see cref="TimeProvider.TimestampFrequency"/>
/// and <see cref="LocalTimeZone"/> are the inner provider's.
/// </para>
/// <para>
/// A timer's due time and period count virtual time: no callback fires while paused, and a timer that
/// had 3 virtual seconds left when the clock paused fires 3 seconds after <see cref="Resume"/>. Each timer is
/// backed by one timer of the inner provider, so a <c>FakeTimeProvider</c> drives it with <c>Advance</c>
/// (callbacks run on the advancing thread) and <see cref="TimeProvider.System"/> drives it on the thread pool.
/// A zero due time fires the way the inner provider fires it (synchronously inside <c>CreateTimer</c> or
/// <c>Change</c> for a fake clock). No lock of this class is held while a callback runs.
/// </para>
/// <para>
/// After a timer's <c>Dispose</c> returns its callback is not started again; as with
/// <see cref="System.Threading.Timer"/>, a callback already started on another thread may still be running.
/// Dispose timers you no longer need: an armed timer stays reachable from this provider.
/// </para>
/// </remarks>
public sealed class PausableTimeProvider : TimeProvider
{
    private static readonly TimeSpan MaxTimerDuration = TimeSpan.FromMilliseconds(0xFFFF_FFFE);

    private readonly TimeProvider _inner;
    private readonly long _frequency;
    private readonly object _gate = new();
    private readonly HashSet<VirtualTimer> _armed = [];
    private bool _paused;
    private long _pausedTimestampTotal;
    private TimeSpan _pausedUtcTotal;
    private long _pausedAtTimestamp;
    private DateTimeOffset _pausedAtUtc;

    /// <summary>Creates a virtual clock over <paramref name="inner"/>.</summary>
    /// <param name="inner">The clock that drives this one: <see cref="TimeProvider.System"/> in an emulator, a fake clock in tests.</param>
    /// <param name="startPaused">Whether the clock starts paused (an emulator that creates the machine before the guest runs).</param>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="inner"/> reports a timestamp frequency that is not positive.</exception>
    public PausableTimeProvider(TimeProvider inner, bool startPaused = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _frequency = inner.TimestampFrequency;
        if (_frequency <= 0)
        {
            throw new ArgumentException("The inner clock's timestamp frequency must be positive.", nameof(inner));
        }

        if (startPaused)
        {
            Pause();
        }
    }

    /// <summary>The clock this one wraps.</summary>
    public TimeProvider InnerTimeProvider => _inner;

    /// <summary>Whether the clock is paused: virtual time is frozen and no timer fires.</summary>
    public bool IsPaused
    {
        get
        {
            lock (_gate)
            {
                return _paused;
            }
        }
    }

    /// <summary>The total time the clock has spent paused so far (measured on the inner clock's timestamps).</summary>
    public TimeSpan TotalPausedTime
    {
        get
        {
            lock (_gate)
            {
                long paused = _pausedTimestampTotal + (_paused ? _inner.GetTimestamp() - _pausedAtTimestamp : 0);
                return TimeSpan.FromTicks(ToTicksCeiling(paused));
            }
        }
    }

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => _inner.LocalTimeZone;

    /// <inheritdoc />
    public override long TimestampFrequency => _frequency;

    /// <summary>Stops virtual time and every timer. Does nothing when already paused.</summary>
    public void Pause()
    {
        VirtualTimer[] affected;
        lock (_gate)
        {
            if (_paused)
            {
                return;
            }

            _paused = true;
            _pausedAtTimestamp = _inner.GetTimestamp();
            _pausedAtUtc = _inner.GetUtcNow();
            affected = TouchArmedLocked();
        }

        // Outside the lock: the inner provider may run callbacks synchronously.
        foreach (var timer in affected)
        {
            timer.Sync();
        }
    }

    /// <summary>Lets virtual time run again; timers continue with the virtual time they had left. Does nothing when running.</summary>
    public void Resume()
    {
        VirtualTimer[] affected;
        lock (_gate)
        {
            if (!_paused)
            {
                return;
            }

            _paused = false;
            _pausedTimestampTotal += _inner.GetTimestamp() - _pausedAtTimestamp;
            _pausedUtcTotal += _inner.GetUtcNow() - _pausedAtUtc;
            affected = TouchArmedLocked();
        }

        foreach (var timer in affected)
        {
            timer.Sync();
        }
    }

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return (_paused ? _pausedAtUtc : _inner.GetUtcNow()) - _pausedUtcTotal;
        }
    }

    /// <inheritdoc />
    public override long GetTimestamp()
    {
        lock (_gate)
        {
            return VirtualTimestampLocked();
        }
    }

    /// <summary>Creates a timer whose due time and period count virtual time.</summary>
    /// <param name="callback">The callback.</param>
    /// <param name="state">The callback's argument.</param>
    /// <param name="dueTime">Virtual time until the first call; <see cref="Timeout.InfiniteTimeSpan"/> for none yet.</param>
    /// <param name="period">Virtual time between calls; <see cref="Timeout.InfiniteTimeSpan"/> or zero for one call.</param>
    /// <returns>The timer.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A time is negative (other than infinite) or longer than a timer accepts.</exception>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ValidateTimerTime(dueTime, nameof(dueTime));
        ValidateTimerTime(period, nameof(period));
        var timer = new VirtualTimer(this, callback, state);
        timer.Attach(_inner.CreateTimer(static s => ((VirtualTimer)s!).OnInnerTimer(), timer, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        timer.Change(dueTime, period);
        return timer;
    }

    private static void ValidateTimerTime(TimeSpan value, string paramName)
    {
        if (value != Timeout.InfiniteTimeSpan && (value < TimeSpan.Zero || value > MaxTimerDuration))
        {
            throw new ArgumentOutOfRangeException(paramName, value, "A timer time must be between zero and 0xFFFFFFFE milliseconds, or Timeout.InfiniteTimeSpan.");
        }
    }

    private long VirtualTimestampLocked() => (_paused ? _pausedAtTimestamp : _inner.GetTimestamp()) - _pausedTimestampTotal;

    /// <summary>A timestamp span for a duration, rounded up so a timer never fires early.</summary>
    private long ToTimestampCeiling(TimeSpan duration)
    {
        var product = (Int128)duration.Ticks * _frequency;
        var span = product / TimeSpan.TicksPerSecond;
        if (product % TimeSpan.TicksPerSecond != 0)
        {
            span++;
        }

        return (long)span;
    }

    /// <summary>TimeSpan ticks for a timestamp span, rounded up.</summary>
    private long ToTicksCeiling(long timestampSpan)
    {
        var product = (Int128)timestampSpan * TimeSpan.TicksPerSecond;
        var ticks = product / _frequency;
        if (product % _frequency != 0)
        {
            ticks++;
        }

        return (long)ticks;
    }

    private VirtualTimer[] TouchArmedLocked()
    {
        var affected = new VirtualTimer[_armed.Count];
        _armed.CopyTo(affected);
        foreach (var timer in affected)
        {
            timer.Version++;
        }

        return affected;
    }

    /// <summary>
    /// One virtual timer over one inner timer. The state below is guarded by the provider's lock; the inner timer
    /// is always changed outside it, and <see cref="Sync"/> re-reads the state until the inner timer matches it.
    /// The inner timer is one-shot: every callback re-checks the virtual due time, so a late, early or stale
    /// inner callback can neither fire twice nor fire at the wrong virtual time.
    /// </summary>
    private sealed class VirtualTimer(PausableTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private const long NotDue = long.MaxValue;

        // Due times are virtual timestamps: monotonic, unlike wall-clock UTC.

        private ITimer? _inner;
        private long _due = NotDue;
        private long _period;
        private volatile bool _disposed;

        /// <summary>Bumped on every change that may change what the inner timer should be armed for.</summary>
        public long Version { get; set; }

        public void Attach(ITimer inner) => _inner = inner;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            ValidateTimerTime(dueTime, nameof(dueTime));
            ValidateTimerTime(period, nameof(period));
            lock (owner._gate)
            {
                if (_disposed)
                {
                    return false;
                }

                long now = owner.VirtualTimestampLocked();
                _due = dueTime == Timeout.InfiniteTimeSpan ? NotDue : now + owner.ToTimestampCeiling(dueTime);
                _period = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? 0 : Math.Max(1, owner.ToTimestampCeiling(period));
                TrackLocked();
                Version++;
            }

            Sync();
            return true;
        }

        public void Dispose()
        {
            if (MarkDisposed())
            {
                _inner!.Dispose();
            }
        }

        public ValueTask DisposeAsync() => MarkDisposed() ? _inner!.DisposeAsync() : ValueTask.CompletedTask;

        /// <summary>Arms the inner timer for the current state, retrying until no change raced with it.</summary>
        /// <param name="roundUpToMilliseconds">
        /// After an early callback: the thread pool's timers truncate to whole milliseconds, so an exact remainder
        /// below one would fire early again at once.
        /// </param>
        public void Sync(bool roundUpToMilliseconds = false)
        {
            while (true)
            {
                long version;
                TimeSpan arm;
                lock (owner._gate)
                {
                    if (_disposed)
                    {
                        return;
                    }

                    version = Version;
                    arm = DueInLocked(roundUpToMilliseconds);
                }

                _inner!.Change(arm, Timeout.InfiniteTimeSpan);
                lock (owner._gate)
                {
                    if (Version == version || _disposed)
                    {
                        return;
                    }
                }
            }
        }

        public void OnInnerTimer()
        {
            bool fire = false;
            bool periodic;
            lock (owner._gate)
            {
                if (_disposed || owner._paused || _due == NotDue)
                {
                    // Paused: Resume re-arms. Not due: disarmed since this callback was scheduled.
                    return;
                }

                periodic = _period > 0;
                long now = owner.VirtualTimestampLocked();
                if (now >= _due)
                {
                    fire = true;
                    if (periodic)
                    {
                        // Like a thread-pool timer, a period that fell behind is not caught up call by call.
                        _due = _due + _period > now ? _due + _period : now + _period;
                    }
                    else
                    {
                        _due = NotDue;
                    }

                    TrackLocked();
                }

                Version++;
            }

            // Early (a coarser inner clock, or an arming that lost a race): re-arm for what is left.
            // Fired: re-arm for the next period, if any. Both before the callback, as a periodic Timer does.
            if (!fire || periodic)
            {
                Sync(roundUpToMilliseconds: !fire);
            }

            if (fire && !_disposed)
            {
                callback(state);
            }
        }

        private TimeSpan DueInLocked(bool roundUpToMilliseconds)
        {
            if (owner._paused || _due == NotDue)
            {
                return Timeout.InfiniteTimeSpan;
            }

            long left = _due - owner.VirtualTimestampLocked();
            if (left <= 0)
            {
                return TimeSpan.Zero;
            }

            long ticks = owner.ToTicksCeiling(left);
            if (roundUpToMilliseconds)
            {
                ticks = (ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond;
            }

            return ticks > MaxTimerDuration.Ticks ? MaxTimerDuration : TimeSpan.FromTicks(ticks);
        }

        private void TrackLocked()
        {
            if (_due == NotDue || _disposed)
            {
                owner._armed.Remove(this);
            }
            else
            {
                owner._armed.Add(this);
            }
        }

        private bool MarkDisposed()
        {
            lock (owner._gate)
            {
                if (_disposed)
                {
                    return false;
                }

                _disposed = true;
                _due = NotDue;
                TrackLocked();
                Version++;
                return true;
            }
        }
    }
}
