using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>SPEC section 6, Beyond QEMU: on the pausable virtual clock, paused guest time does not count toward a timeout.</summary>
public sealed class PausedClockUnplugTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    [Fact]
    public void Timeout_ClockPausedMidway_FiresAfterTheRemainingVirtualTime()
    {
        using var machine = new Machine(pausable: true);
        var clock = machine.Pausable!;
        var inner = machine.Clock;
        var cpu = HotPlugOn(machine, 1);
        var t0 = clock.GetUtcNow();
        machine.Registry.RequestUnplug(cpu);
        inner.Advance(TimeSpan.FromSeconds(5));

        clock.Pause();
        inner.Advance(TimeSpan.FromMinutes(10));
        var whilePaused = machine.Notifications.TimedOut.Count;
        var leftWhilePaused = machine.Registry[cpu].UnplugTimeRemaining;
        clock.Resume();
        inner.Advance(TimeSpan.FromSeconds(10) - Tick);
        var beforeDeadline = machine.Notifications.TimedOut.Count;
        inner.Advance(Tick);

        whilePaused.Should().Be(0);
        leftWhilePaused.Should().Be(TimeSpan.FromSeconds(10));
        beforeDeadline.Should().Be(0);
        machine.Notifications.TimedOut.Should().ContainSingle().Which.OccurredAt.Should().Be(t0 + TimeSpan.FromSeconds(15));
    }

    [Fact]
    public void RequestUnplug_WhilePaused_TimeoutCountsFromResume()
    {
        using var machine = new Machine(pausable: true);
        var clock = machine.Pausable!;
        var inner = machine.Clock;
        var cpu = HotPlugOn(machine, 1);
        clock.Pause();
        machine.Registry.RequestUnplug(cpu);
        inner.Advance(TimeSpan.FromHours(1));
        clock.Resume();

        inner.Advance(TimeSpan.FromSeconds(15) - Tick);
        var before = machine.Notifications.TimedOut.Count;
        inner.Advance(Tick);

        before.Should().Be(0);
        machine.Notifications.TimedOut.Should().ContainSingle();
    }

    [Fact]
    public void RepeatedRequest_WhilePaused_ReportsFrozenTimeLeft()
    {
        using var machine = new Machine(pausable: true);
        var clock = machine.Pausable!;
        var inner = machine.Clock;
        var cpu = HotPlugOn(machine, 1);
        machine.Registry.RequestUnplug(cpu);
        inner.Advance(TimeSpan.FromSeconds(3));
        clock.Pause();
        inner.Advance(TimeSpan.FromSeconds(30));

        var again = machine.Registry.RequestUnplug(cpu);

        again.Status.Should().Be(UnplugRequestStatus.AlreadyPending);
        again.TimeRemaining.Should().Be(TimeSpan.FromSeconds(12));
    }

    [Fact]
    public void Timeout_SeveralPauses_OnlyRunningTimeCounts()
    {
        using var machine = new Machine(pausable: true);
        var clock = machine.Pausable!;
        var inner = machine.Clock;
        var cpu = HotPlugOn(machine, 1);
        machine.Registry.RequestUnplug(cpu);

        for (int i = 0; i < 14; i++)
        {
            inner.Advance(TimeSpan.FromSeconds(1));
            clock.Pause();
            inner.Advance(TimeSpan.FromSeconds(7));
            clock.Resume();
        }

        var afterFourteen = machine.Notifications.TimedOut.Count;
        inner.Advance(TimeSpan.FromSeconds(1));

        afterFourteen.Should().Be(0);
        machine.Notifications.TimedOut.Should().ContainSingle();
    }

    [Fact]
    public void Dispose_WhilePaused_NothingFiresAfterResume()
    {
        var machine = new Machine(pausable: true);
        var clock = machine.Pausable!;
        var inner = machine.Clock;
        var cpu = HotPlugOn(machine, 1);
        machine.Registry.RequestUnplug(cpu);
        clock.Pause();

        machine.Dispose();
        clock.Resume();
        inner.Advance(TimeSpan.FromMinutes(1));

        machine.Notifications.Unplug.Should().BeEmpty();
    }

    private static DrcIndex HotPlugOn(Machine machine, uint id) => machine.HotAdd(DrcType.Cpu, id);
}
