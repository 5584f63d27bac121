using Spapr.Drc.Stress.Infrastructure;

namespace Spapr.Drc.Stress.Timers;

/// <summary>
/// SPEC section 6 on the system clock: unplug timeouts fire on real timers (on the thread pool), the pausable clock
/// holds them while paused, and disposal stops them. Moved from the unit tests, which run on a fake clock only: these
/// wait on wall-clock time and assert how soon a timer fires, so they run alone.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class SystemClockUnplugTests
{
    [Fact]
    public void Dispose_WithPendingTimerOnSystemClock_NothingFiresAfterwards()
    {
        var machine = new RealClockMachine(TimeProvider.System);
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu, TimeSpan.FromMilliseconds(200));

        machine.Dispose();
        Thread.Sleep(500);

        machine.Notifications.Should().BeEmpty();
    }

    [Fact]
    public void RequestUnplug_OnSystemClock_TimesOutAfterTheShortTimeout()
    {
        using var machine = new RealClockMachine(TimeProvider.System);
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        using var timedOut = new ManualResetEventSlim();
        machine.Registry.UnplugTimedOut += (_, _) => timedOut.Set();

        machine.Registry.RequestUnplug(cpu, TimeSpan.FromMilliseconds(50));

        timedOut.Wait(TimeSpan.FromSeconds(10)).Should().BeTrue();
        machine.TimedOut.Should().ContainSingle();
    }

    [Fact]
    public void Timeout_SystemClockPaused_FiresOnlyAfterResume()
    {
        var clock = new PausableTimeProvider(TimeProvider.System);
        using var machine = new RealClockMachine(clock);
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        using var timedOut = new ManualResetEventSlim();
        machine.Registry.UnplugTimedOut += (_, _) => timedOut.Set();
        machine.Registry.RequestUnplug(cpu, TimeSpan.FromMilliseconds(250));
        clock.Pause();

        bool firedWhilePaused = timedOut.Wait(TimeSpan.FromMilliseconds(500));
        clock.Resume();
        bool firedAfterResume = timedOut.Wait(TimeSpan.FromSeconds(10));

        firedWhilePaused.Should().BeFalse();
        firedAfterResume.Should().BeTrue();
        machine.TimedOut.Should().ContainSingle();
    }

    [Fact]
    public void Timeout_SystemClock_SubMillisecondTimeoutStillFiresOnceAndNotEarly()
    {
        using var registry = new DrcRegistry(new DrcOptions { TimeoutPolicy = UnplugTimeoutPolicy.ClearRequest });
        var cpu = registry.CreateConnector(DrcType.Cpu, 1);
        registry.Attach(cpu.Index, "core", null, PlugMode.Cold);
        using var fired = new ManualResetEventSlim();
        var firedAt = DateTimeOffset.MinValue;
        int count = 0;
        registry.UnplugTimedOut += (_, e) =>
        {
            firedAt = TimeProvider.System.GetUtcNow();
            Interlocked.Increment(ref count);
            fired.Set();
        };

        var requestedAt = TimeProvider.System.GetUtcNow();
        registry.RequestUnplug(cpu.Index, TimeSpan.FromTicks(6_000)).Status.Should().Be(UnplugRequestStatus.Requested);

        fired.Wait(TimeSpan.FromSeconds(30)).Should().BeTrue();
        (firedAt - requestedAt).Should().BeGreaterThanOrEqualTo(TimeSpan.FromTicks(6_000));
        count.Should().Be(1);
    }

    [Fact]
    public async Task Timeouts_SystemClockWhileAnotherThreadKeepsTheRegistryBusy_AllFireOnceAndNoneEarly()
    {
        // The timer callback gives way to other callers (it comes back a millisecond later rather than wait for the
        // lock or run alongside them): while a second thread calls into the registry without pause, every due timeout
        // must still fire, exactly once, and never before its deadline.
        const int Devices = 5_000;
        using var registry = new DrcRegistry(new DrcOptions { TimeoutPolicy = UnplugTimeoutPolicy.ClearRequest });
        registry.CreateConnectors(DrcType.Lmb, 0, Devices);
        var requestedAt = new DateTimeOffset[Devices];
        for (uint i = 0; i < Devices; i++)
        {
            registry.Attach(DrcIndex.From(DrcType.Lmb, i), "dimm", null, PlugMode.Cold);
        }

        int fired = 0, early = 0;
        using var all = new ManualResetEventSlim();
        registry.UnplugTimedOut += (_, e) =>
        {
            if (e.OccurredAt - requestedAt[e.Index.Id] < TimeSpan.FromMilliseconds(1))
            {
                Interlocked.Increment(ref early);
            }

            if (Interlocked.Increment(ref fired) == Devices)
            {
                all.Set();
            }
        };

        using var stop = new CancellationTokenSource();
        var busy = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                _ = registry.Count;
            }
        });

        for (uint i = 0; i < Devices; i++)
        {
            requestedAt[i] = TimeProvider.System.GetUtcNow();
            registry.RequestUnplug(DrcIndex.From(DrcType.Lmb, i), TimeSpan.FromMilliseconds(1)).Status.Should().Be(UnplugRequestStatus.Requested);
        }

        bool allFired = all.Wait(TimeSpan.FromSeconds(60));
        stop.Cancel();
        await busy;

        allFired.Should().BeTrue($"{fired} of {Devices} timeouts fired while the registry was kept busy");
        Volatile.Read(ref fired).Should().Be(Devices);
        early.Should().Be(0);
        registry.GetPendingUnplugs().Should().BeEmpty();
    }
}
