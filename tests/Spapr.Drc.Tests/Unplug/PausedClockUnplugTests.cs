using Microsoft.Extensions.Time.Testing;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>SPEC section 6, Beyond QEMU: on the pausable virtual clock, paused guest time does not count toward a timeout.</summary>
public sealed class PausedClockUnplugTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    [Fact]
    public void Timeout_ClockPausedMidway_FiresAfterTheRemainingVirtualTime()
    {
        var clock = new PausableTimeProvider(new FakeTimeProvider());
        var inner = (FakeTimeProvider)clock.InnerTimeProvider;
        using var h = new UnplugHarness(clock: clock);
        var cpu = HotPlugOn(h, 1);
        var t0 = clock.GetUtcNow();
        h.Registry.RequestUnplug(cpu);
        inner.Advance(TimeSpan.FromSeconds(5));

        clock.Pause();
        inner.Advance(TimeSpan.FromMinutes(10));
        var whilePaused = h.TimedOut.Count;
        var leftWhilePaused = h.Registry[cpu].UnplugTimeRemaining;
        clock.Resume();
        inner.Advance(TimeSpan.FromSeconds(10) - Tick);
        var beforeDeadline = h.TimedOut.Count;
        inner.Advance(Tick);

        whilePaused.Should().Be(0);
        leftWhilePaused.Should().Be(TimeSpan.FromSeconds(10));
        beforeDeadline.Should().Be(0);
        h.TimedOut.Should().ContainSingle().Which.OccurredAt.Should().Be(t0 + TimeSpan.FromSeconds(15));
    }

    [Fact]
    public void RequestUnplug_WhilePaused_TimeoutCountsFromResume()
    {
        var inner = new FakeTimeProvider();
        var clock = new PausableTimeProvider(inner);
        using var h = new UnplugHarness(clock: clock);
        var cpu = HotPlugOn(h, 1);
        clock.Pause();
        h.Registry.RequestUnplug(cpu);
        inner.Advance(TimeSpan.FromHours(1));
        clock.Resume();

        inner.Advance(TimeSpan.FromSeconds(15) - Tick);
        var before = h.TimedOut.Count;
        inner.Advance(Tick);

        before.Should().Be(0);
        h.TimedOut.Should().ContainSingle();
    }

    [Fact]
    public void RepeatedRequest_WhilePaused_ReportsFrozenTimeLeft()
    {
        var inner = new FakeTimeProvider();
        var clock = new PausableTimeProvider(inner);
        using var h = new UnplugHarness(clock: clock);
        var cpu = HotPlugOn(h, 1);
        h.Registry.RequestUnplug(cpu);
        inner.Advance(TimeSpan.FromSeconds(3));
        clock.Pause();
        inner.Advance(TimeSpan.FromSeconds(30));

        var again = h.Registry.RequestUnplug(cpu);

        again.Status.Should().Be(UnplugRequestStatus.AlreadyPending);
        again.TimeRemaining.Should().Be(TimeSpan.FromSeconds(12));
    }

    [Fact]
    public void Timeout_SeveralPauses_OnlyRunningTimeCounts()
    {
        var inner = new FakeTimeProvider();
        var clock = new PausableTimeProvider(inner);
        using var h = new UnplugHarness(clock: clock);
        var cpu = HotPlugOn(h, 1);
        h.Registry.RequestUnplug(cpu);

        for (int i = 0; i < 14; i++)
        {
            inner.Advance(TimeSpan.FromSeconds(1));
            clock.Pause();
            inner.Advance(TimeSpan.FromSeconds(7));
            clock.Resume();
        }

        var afterFourteen = h.TimedOut.Count;
        inner.Advance(TimeSpan.FromSeconds(1));

        afterFourteen.Should().Be(0);
        h.TimedOut.Should().ContainSingle();
    }

    [Fact]
    public void Dispose_WhilePaused_NothingFiresAfterResume()
    {
        var inner = new FakeTimeProvider();
        var clock = new PausableTimeProvider(inner);
        var h = new UnplugHarness(clock: clock);
        var cpu = HotPlugOn(h, 1);
        h.Registry.RequestUnplug(cpu);
        clock.Pause();

        h.Dispose();
        clock.Resume();
        inner.Advance(TimeSpan.FromMinutes(1));

        h.Notifications.Should().BeEmpty();
    }

    [Fact]
    public void Timeout_SystemClockPaused_FiresOnlyAfterResume()
    {
        var clock = new PausableTimeProvider(TimeProvider.System);
        using var h = new UnplugHarness(clock: clock);
        var cpu = HotPlugOn(h, 1);
        using var timedOut = new ManualResetEventSlim();
        h.Registry.UnplugTimedOut += (_, _) => timedOut.Set();
        h.Registry.RequestUnplug(cpu, TimeSpan.FromMilliseconds(250));
        clock.Pause();

        bool firedWhilePaused = timedOut.Wait(TimeSpan.FromMilliseconds(500));
        clock.Resume();
        bool firedAfterResume = timedOut.Wait(TimeSpan.FromSeconds(10));

        firedWhilePaused.Should().BeFalse();
        firedAfterResume.Should().BeTrue();
        h.TimedOut.Should().ContainSingle();
    }

    private static DrcIndex HotPlugOn(UnplugHarness h, uint id) => h.HotPlug(DrcType.Cpu, id);
}
