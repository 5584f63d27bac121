using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>
/// Memory's default unplug timeout (2 minutes, a deliberate difference from SPEC section 6, which gives memory none):
/// the real Linux guest that cannot offline a DIMM's first LMB makes no RTAS call at all (README, "Against a real
/// guest"), and the timeout is then the only thing that reports the unplug that is not happening.
/// </summary>
public sealed class MemoryTimeoutTests
{
    [Fact]
    public void DimmUnplug_GuestSilentAfterTakingTheEvent_TimesOutAfterTwoMinutesAndStaysPending()
    {
        using var machine = new Machine();
        machine.Registry.NegotiateClientArchitecture();
        var first = machine.HotAddMemory(16, 4, device: "dimm0");
        var log = new byte[DrcRtas.EventLogSize];
        machine.Rtas.CheckException(RtasEventClasses.Hotplug, log, out var addEvent).Should().Be(RtasStatus.Success);
        addEvent!.Action.Should().Be(HotplugAction.Add);
        machine.Registry.RequestUnplug(first).Status.Should().Be(UnplugRequestStatus.Requested);
        machine.Rtas.CheckException(RtasEventClasses.Hotplug, log, out var removeEvent).Should().Be(RtasStatus.Success);
        removeEvent!.Action.Should().Be(HotplugAction.Remove);

        // Offlining LMB 16 fails: the guest says nothing.
        machine.Clock.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromTicks(1));
        machine.Notifications.TimedOut.Should().BeEmpty();
        machine.Clock.Advance(TimeSpan.FromTicks(1));

        var timedOut = machine.Notifications.TimedOut.Should().ContainSingle().Subject;
        timedOut.Device.Should().Be("dimm0");
        timedOut.IsTerminal.Should().BeFalse("KeepPending: the outcome is unknown, not failed");
        machine.Registry.GetPendingUnplugs().Should().ContainSingle().Which.TimedOut.Should().BeTrue();
    }

    [Fact]
    public void DimmUnplug_GuestFinishesAfterTheTimeout_StillCompletes()
    {
        // A slow guest costs one warning: under KeepPending a late release completes the unplug as usual.
        using var machine = new Machine();
        var first = machine.HotAddMemory(16, 2, device: "dimm0");
        machine.Registry.RequestUnplug(first);
        machine.Clock.Advance(TimeSpan.FromMinutes(3));

        machine.GuestRelease(first);
        machine.GuestRelease(new DrcIndex(first.Value + 1));

        machine.Notifications.UnplugKinds.Should().Equal(nameof(DrcRegistry.UnplugTimedOut), nameof(DrcRegistry.UnplugCompleted));
        machine.Registry.GetAttachedDevices().Should().BeEmpty();
    }

    [Fact]
    public void DimmUnplug_RequestedAgainAfterTheTimeout_IsRetriedWithTheRemoveEventAgain()
    {
        // Without a timeout a repeated memory request is refused as already in progress; after one, it is a retry.
        using var machine = new Machine();
        var first = machine.HotAddMemory(16, 2);
        machine.Registry.RequestUnplug(first);
        machine.Clock.Advance(TimeSpan.FromMinutes(2));

        var again = machine.Registry.RequestUnplug(first);

        again.Status.Should().Be(UnplugRequestStatus.Retried);
        again.TimeRemaining.Should().Be(TimeSpan.FromMinutes(2));
        machine.RemoveEvents().Should().HaveCount(2);
    }

    [Fact]
    public void PmemUnplug_WithTheDefaults_TimesOutAfterTwoMinutes()
    {
        using var machine = new Machine();
        var pmem = machine.HotAdd(DrcType.Pmem, 1);
        machine.Registry.RequestUnplug(pmem).TimeRemaining.Should().Be(TimeSpan.FromMinutes(2));

        machine.Clock.Advance(TimeSpan.FromMinutes(2));

        machine.Notifications.TimedOut.Should().ContainSingle();
    }
}
