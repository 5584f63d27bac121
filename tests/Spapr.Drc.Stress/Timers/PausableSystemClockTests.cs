using Spapr.Drc.Stress.Infrastructure;

namespace Spapr.Drc.Stress.Timers;

/// <summary>
/// SPEC section 6, Beyond QEMU: the pausable virtual clock over the system clock. Moved from the unit tests (which
/// drive the clock over a fake one): these wait on wall-clock time and assert how soon a timer fires, so they run alone.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class PausableSystemClockTests
{
    [Fact]
    public void CreateTimer_SystemClockPaused_FiresOnlyAfterResume()
    {
        var clock = new PausableTimeProvider(TimeProvider.System, startPaused: true);
        using var fired = new ManualResetEventSlim();
        using var timer = clock.CreateTimer(_ => fired.Set(), null, TimeSpan.FromMilliseconds(20), Timeout.InfiniteTimeSpan);

        bool firedWhilePaused = fired.Wait(TimeSpan.FromMilliseconds(200));
        clock.Resume();
        bool firedAfterResume = fired.Wait(TimeSpan.FromSeconds(10));

        firedWhilePaused.Should().BeFalse();
        firedAfterResume.Should().BeTrue();
    }

    [Fact]
    public void CreateTimer_SystemClock_FiresNoEarlierThanVirtualDueTime()
    {
        var clock = new PausableTimeProvider(TimeProvider.System);
        long start = clock.GetTimestamp();
        TimeSpan? elapsed = null;
        using var fired = new ManualResetEventSlim();
        using var timer = clock.CreateTimer(_ =>
        {
            elapsed = clock.GetElapsedTime(start);
            fired.Set();
        }, null, TimeSpan.FromMilliseconds(30), Timeout.InfiniteTimeSpan);

        fired.Wait(TimeSpan.FromSeconds(10)).Should().BeTrue();
        elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(30));
    }

    [Fact]
    public void CreateTimer_SystemClockDisposed_NeverFires()
    {
        var clock = new PausableTimeProvider(TimeProvider.System);
        int fired = 0;
        var timer = clock.CreateTimer(_ => Interlocked.Increment(ref fired), null, TimeSpan.FromMilliseconds(200), Timeout.InfiniteTimeSpan);

        timer.Dispose();
        Thread.Sleep(400);

        Volatile.Read(ref fired).Should().Be(0);
    }

    [Fact]
    public void Timers_ConcurrentPauseResumeAndChange_FireExactlyOnceWhenFinallyArmed()
    {
        var clock = new PausableTimeProvider(TimeProvider.System);
        int fired = 0;
        using var done = new ManualResetEventSlim();
        using var timer = clock.CreateTimer(_ =>
        {
            Interlocked.Increment(ref fired);
            done.Set();
        }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        Parallel.For(0, 4, worker =>
        {
            for (int i = 0; i < 2000; i++)
            {
                switch ((worker + i) % 3)
                {
                    case 0:
                        clock.Pause();
                        break;
                    case 1:
                        clock.Resume();
                        break;
                    default:
                        timer.Change(TimeSpan.FromHours(1), Timeout.InfiniteTimeSpan);
                        break;
                }
            }
        });
        clock.Resume();
        timer.Change(TimeSpan.FromMilliseconds(10), Timeout.InfiniteTimeSpan);

        done.Wait(TimeSpan.FromSeconds(10)).Should().BeTrue();
        Thread.Sleep(50);
        Volatile.Read(ref fired).Should().Be(1);
    }
}
