namespace Spapr.Drc.Tests.Support;

/// <summary>
/// A manual clock whose timers allocate nothing when re-armed, for the allocation tests only. FakeTimeProvider's
/// <c>ITimer.Change</c> allocates 56 bytes a call (measured with its 10.0 package), which would hide whether the
/// library itself allocates; every other test runs on FakeTimeProvider. Single-threaded: time moves only in
/// <see cref="Advance"/>, which runs due callbacks on the caller's thread, earliest first.
/// </summary>
internal sealed class AllocationFreeClock(DateTimeOffset start) : TimeProvider
{
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (period != Timeout.InfiniteTimeSpan)
        {
            throw new NotSupportedException("The registry only uses one-shot timers.");
        }

        var timer = new ManualTimer(this, callback, state);
        _timers.Add(timer);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves time forward by <paramref name="delta"/>, firing each timer that falls due on the way at its own due time.</summary>
    public void Advance(TimeSpan delta)
    {
        var end = _now + delta;
        while (Earliest() is { } timer && timer.Due <= end)
        {
            _now = timer.Due!.Value;
            timer.Due = null;
            timer.Fire();
        }

        _now = end;
    }

    private ManualTimer? Earliest()
    {
        ManualTimer? earliest = null;
        foreach (var timer in _timers)
        {
            if (timer.Due is { } due && (earliest is null || due < earliest.Due))
            {
                earliest = timer;
            }
        }

        return earliest;
    }

    private sealed class ManualTimer(AllocationFreeClock clock, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset? Due { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Due = dueTime == Timeout.InfiniteTimeSpan ? null : clock._now + dueTime;
            return true;
        }

        public void Fire() => callback(state);

        public void Dispose() => Due = null;

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
