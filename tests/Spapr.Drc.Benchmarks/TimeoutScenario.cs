using Microsoft.Extensions.Time.Testing;
using Spapr.Drc;

namespace Spapr.Drc.Benchmarks;

/// <summary>
/// Target 4: many LMB devices (one LMB each) asked to unplug at once, all timing out. Three ways, on the same
/// registry and clock: no timeout (the baseline), the library's single timer per registry, and one timer per
/// request (a benchmark-local design, for the comparison the issue asks for).
/// </summary>
internal sealed class TimeoutScenario : IDisposable
{
    /// <summary>The timeout on the virtual clock.</summary>
    public static readonly TimeSpan FakeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The timeout on the real clock: short, so that the run measures the timers rather than the wait.</summary>
    public static readonly TimeSpan RealTimeout = TimeSpan.FromMilliseconds(1);

    private readonly TimeProvider _clock;
    private readonly ManualResetEventSlim _done = new();
    private readonly int _count;
    private int _fired;

    public TimeoutScenario(int count, bool realTime)
    {
        _count = count;
        _clock = realTime ? TimeProvider.System : new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Registry = Machines.WithLmbDevices(count, _clock);

        // The shared queue ends a timed-out request (ClearRequest); the per-request timer cancels it. Both are
        // one locked end of the request and one notification, so the difference is the timer design alone.
        Registry.UnplugTimedOut += OnEnded;
        Registry.UnplugCancelled += OnEnded;
    }

    public DrcRegistry Registry { get; }

    private bool RealTime => _clock is not FakeTimeProvider;

    private TimeSpan Timeout => RealTime ? RealTimeout : FakeTimeout;

    /// <summary>The baseline: the same requests with no timeout.</summary>
    public void RequestWithoutTimeout()
    {
        for (uint i = 0; i < _count; i++)
        {
            Registry.RequestUnplug(DrcIndex.From(DrcType.Lmb, i), System.Threading.Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The library: every request with a timeout, then until every one of them has expired.</summary>
    public void RequestWithSharedTimer()
    {
        for (uint i = 0; i < _count; i++)
        {
            Registry.RequestUnplug(DrcIndex.From(DrcType.Lmb, i), Timeout);
        }

        WaitForAll();
    }

    /// <summary>The alternative design: no library timeout, one timer per request that ends it when it fires.</summary>
    public void RequestWithTimerPerRequest()
    {
        var timers = new PerRequestTimer[_count];
        for (uint i = 0; i < _count; i++)
        {
            var index = DrcIndex.From(DrcType.Lmb, i);
            Registry.RequestUnplug(index, System.Threading.Timeout.InfiniteTimeSpan);
            timers[i] = new PerRequestTimer(Registry, index, _clock, Timeout);
        }

        WaitForAll();
        GC.KeepAlive(timers);
    }

    public void Dispose()
    {
        Registry.Dispose();
        _done.Dispose();
    }

    private void WaitForAll()
    {
        if (_clock is FakeTimeProvider fake)
        {
            fake.Advance(FakeTimeout + TimeSpan.FromSeconds(1));
        }
        else if (!_done.Wait(TimeSpan.FromMinutes(1)))
        {
            throw new TimeoutException($"Only {Volatile.Read(ref _fired)} of {_count} unplug timeouts fired.");
        }

        if (Volatile.Read(ref _fired) != _count)
        {
            throw new InvalidOperationException($"Only {_fired} of {_count} unplug timeouts fired.");
        }
    }

    private void OnEnded(object? sender, UnplugEventArgs e)
    {
        if (Interlocked.Increment(ref _fired) == _count)
        {
            _done.Set();
        }
    }

    /// <summary>One timer per pending request, as an emulator without a shared queue would keep it.</summary>
    private sealed class PerRequestTimer
    {
        private readonly DrcRegistry _registry;
        private readonly DrcIndex _index;
        private readonly ITimer _timer;

        public PerRequestTimer(DrcRegistry registry, DrcIndex index, TimeProvider clock, TimeSpan timeout)
        {
            _registry = registry;
            _index = index;
            // Created disabled and armed once stored: a 1 ms timer can fire before the constructor returns.
            _timer = clock.CreateTimer(static state => ((PerRequestTimer)state!).Fire(), this, System.Threading.Timeout.InfiniteTimeSpan, System.Threading.Timeout.InfiniteTimeSpan);
            _timer.Change(timeout, System.Threading.Timeout.InfiniteTimeSpan);
        }

        private void Fire()
        {
            _timer.Dispose();
            _registry.CancelUnplug(_index);
        }
    }
}
