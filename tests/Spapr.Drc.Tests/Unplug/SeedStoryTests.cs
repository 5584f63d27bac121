using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>
/// SPEC section 6 end to end: a hot-plugged CPU whose guest never releases it, the refused repeat with the time
/// left, the timeout one tick late and not earlier, the retry, and the late release that still completes.
/// </summary>
public sealed class SeedStoryTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    [Fact]
    public void SeedStory_GuestReleasesOnlyAfterTimeoutAndRetry_EndsInExactlyOneCompletion()
    {
        using var machine = new Machine();
        var cpu1 = machine.HotAdd(DrcType.Cpu, 1);
        var t0 = machine.Clock.GetUtcNow();

        // t = 0: the request; the guest never releases.
        var first = machine.Registry.RequestUnplug(cpu1);
        first.Status.Should().Be(UnplugRequestStatus.Requested);
        first.TimeRemaining.Should().Be(TimeSpan.FromSeconds(15));
        machine.RemoveEvents().Should().ContainSingle();

        // t = 5 s: refused with 10 s left, nothing re-queued.
        machine.Clock.Advance(TimeSpan.FromSeconds(5));
        var second = machine.Registry.RequestUnplug(cpu1);
        second.Status.Should().Be(UnplugRequestStatus.AlreadyPending);
        second.TimeRemaining.Should().Be(TimeSpan.FromSeconds(10));
        second.Message.Should().Contain("10 seconds timeout remaining");
        machine.RemoveEvents().Should().ContainSingle();

        // One tick before t = 15 s: nothing; at t = 15 s: exactly one timeout, non-terminal (KeepPending).
        machine.Clock.Advance(TimeSpan.FromSeconds(10) - Tick);
        machine.Notifications.TimedOut.Should().BeEmpty();
        machine.Clock.Advance(Tick);
        var timedOut = machine.Notifications.TimedOut.Should().ContainSingle().Subject;
        timedOut.Index.Should().Be(cpu1);
        timedOut.Outcome.Should().Be(UnplugOutcome.TimedOut);
        timedOut.IsTerminal.Should().BeFalse();
        timedOut.RequestedAt.Should().Be(t0);
        timedOut.OccurredAt.Should().Be(t0 + TimeSpan.FromSeconds(15));
        machine.Registry[cpu1].IsUnplugPending.Should().BeTrue();

        // The retry re-queues the Remove event and re-arms the timer, under the same request id.
        var retry = machine.Registry.RequestUnplug(cpu1);
        retry.Status.Should().Be(UnplugRequestStatus.Retried);
        machine.RemoveEvents().Should().HaveCount(2).And.OnlyContain(e => e.Index == cpu1 && e.Type == HotplugType.Cpu);
        machine.Registry[cpu1].UnplugDeadline.Should().Be(t0 + TimeSpan.FromSeconds(30));
        machine.Registry.GetPendingUnplugs().Single().RequestId.Should().Be(timedOut.RequestId);

        // The guest finally releases: isolate, then unusable.
        machine.Clock.Advance(TimeSpan.FromSeconds(3));
        machine.GuestRelease(cpu1);
        machine.Clock.Advance(TimeSpan.FromMinutes(1));

        var completed = machine.Notifications.Completed.Should().ContainSingle().Subject;
        completed.Outcome.Should().Be(UnplugOutcome.Completed);
        completed.IsTerminal.Should().BeTrue();
        completed.RequestId.Should().Be(timedOut.RequestId);
        completed.OccurredAt.Should().Be(t0 + TimeSpan.FromSeconds(18));
        machine.Notifications.TimedOut.Should().ContainSingle();
        machine.Registry[cpu1].Device.Should().BeNull();
        machine.Registry[cpu1].IsUnplugPending.Should().BeFalse();
        machine.Registry.AssertInvariants();
    }
}
