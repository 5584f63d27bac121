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
        using var h = new UnplugHarness();
        var cpu1 = h.HotPlug(DrcType.Cpu, 1);
        var t0 = h.Clock.GetUtcNow();

        // t = 0: the request; the guest never releases.
        var first = h.Registry.RequestUnplug(cpu1);
        first.Status.Should().Be(UnplugRequestStatus.Requested);
        first.TimeRemaining.Should().Be(TimeSpan.FromSeconds(15));
        h.RemoveEvents().Should().ContainSingle();

        // t = 5 s: refused with 10 s left, nothing re-queued.
        h.Clock.Advance(TimeSpan.FromSeconds(5));
        var second = h.Registry.RequestUnplug(cpu1);
        second.Status.Should().Be(UnplugRequestStatus.AlreadyPending);
        second.TimeRemaining.Should().Be(TimeSpan.FromSeconds(10));
        second.Message.Should().Contain("10 seconds timeout remaining");
        h.RemoveEvents().Should().ContainSingle();

        // One tick before t = 15 s: nothing; at t = 15 s: exactly one timeout, non-terminal (KeepPending).
        h.Clock.Advance(TimeSpan.FromSeconds(10) - Tick);
        h.TimedOut.Should().BeEmpty();
        h.Clock.Advance(Tick);
        var timedOut = h.TimedOut.Should().ContainSingle().Subject;
        timedOut.Index.Should().Be(cpu1);
        timedOut.Outcome.Should().Be(UnplugOutcome.TimedOut);
        timedOut.IsTerminal.Should().BeFalse();
        timedOut.RequestedAt.Should().Be(t0);
        timedOut.OccurredAt.Should().Be(t0 + TimeSpan.FromSeconds(15));
        h.Registry[cpu1].IsUnplugPending.Should().BeTrue();

        // The retry re-queues the Remove event and re-arms the timer, under the same request id.
        var retry = h.Registry.RequestUnplug(cpu1);
        retry.Status.Should().Be(UnplugRequestStatus.Retried);
        h.RemoveEvents().Should().HaveCount(2).And.OnlyContain(e => e.Index == cpu1 && e.Type == HotplugType.Cpu);
        h.Registry[cpu1].UnplugDeadline.Should().Be(t0 + TimeSpan.FromSeconds(30));
        h.Registry.GetPendingUnplugs().Single().RequestId.Should().Be(timedOut.RequestId);

        // The guest finally releases: isolate, then unusable.
        h.Clock.Advance(TimeSpan.FromSeconds(3));
        h.GuestRelease(cpu1);
        h.Clock.Advance(TimeSpan.FromMinutes(1));

        var completed = h.Completed.Should().ContainSingle().Subject;
        completed.Outcome.Should().Be(UnplugOutcome.Completed);
        completed.IsTerminal.Should().BeTrue();
        completed.RequestId.Should().Be(timedOut.RequestId);
        completed.OccurredAt.Should().Be(t0 + TimeSpan.FromSeconds(18));
        h.TimedOut.Should().ContainSingle();
        h.Registry[cpu1].Device.Should().BeNull();
        h.Registry[cpu1].IsUnplugPending.Should().BeFalse();
        h.Registry.AssertInvariants();
    }
}
