namespace Spapr.Drc.Tests.Unplug;

/// <summary>SPEC sections 3 and 4: the guest rejects an unplug by unisolating, or (LMB) by configure-connector.</summary>
public sealed class GuestRejectionTests
{
    [Fact]
    public void Unisolate_CpuWithPendingUnplug_RejectsOnceAndClearsTheFlag()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);

        h.Unisolate(cpu).Should().Be(RtasStatus.Success);

        var rejected = h.Rejected.Should().ContainSingle().Subject;
        rejected.Outcome.Should().Be(UnplugOutcome.RejectedByGuest);
        rejected.IsTerminal.Should().BeTrue();
        h.Registry[cpu].IsUnplugPending.Should().BeFalse();
        h.Registry[cpu].Device.Should().NotBeNull();
        h.Registry[cpu].State.Should().Be(DrcState.LogicalConfigured);
    }

    [Fact]
    public void Unisolate_CpuRejected_NoTimeoutFiresAfterwards()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);
        h.Clock.Advance(TimeSpan.FromSeconds(10));
        h.Unisolate(cpu);

        h.Clock.Advance(TimeSpan.FromMinutes(5));

        h.TimedOut.Should().BeEmpty();
        h.Notifications.Should().ContainSingle();
    }

    [Fact]
    public void Unisolate_RepeatedAfterRejection_NotifiesOnlyOnce()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);

        h.Unisolate(cpu);
        h.Unisolate(cpu);

        h.Rejected.Should().ContainSingle();
    }

    [Fact]
    public void ConfigureConnector_LmbOfPendingMemoryDevice_RejectsTheWholeDeviceOnce()
    {
        using var h = new UnplugHarness();
        var first = h.HotPlugMemory(16, 4);
        h.Registry.RequestUnplug(first, TimeSpan.FromSeconds(30));
        var third = new DrcIndex(first.Value + 2);

        h.ConfigureOnce(third);

        var rejected = h.Rejected.Should().ContainSingle().Subject;
        rejected.Index.Should().Be(first);
        rejected.Connectors.Should().HaveCount(4);
        h.Registry.Connectors.Where(c => c.Type == DrcType.Lmb).Should().OnlyContain(c => !c.IsUnplugPending && c.Device != null);
        h.Registry.GetPendingUnplugs().Should().BeEmpty();
    }

    [Fact]
    public void ConfigureConnector_RejectedMemoryDevice_NoTimeoutFiresAfterwards()
    {
        using var h = new UnplugHarness();
        var first = h.HotPlugMemory(16, 4);
        h.Registry.RequestUnplug(first, TimeSpan.FromSeconds(30));
        h.ConfigureOnce(new DrcIndex(first.Value + 1));

        h.Clock.Advance(TimeSpan.FromMinutes(5));

        h.TimedOut.Should().BeEmpty();
        h.Notifications.Should().ContainSingle();
    }

    [Fact]
    public void Unisolate_LmbAfterPartialRelease_RollsBackTheRemainingLmbsOnce()
    {
        using var h = new UnplugHarness();
        var first = h.HotPlugMemory(16, 4);
        h.Registry.RequestUnplug(first);
        h.GuestRelease(first);
        var second = new DrcIndex(first.Value + 1);

        h.Unisolate(second).Should().Be(RtasStatus.Success);

        h.Rejected.Should().ContainSingle();
        h.Completed.Should().BeEmpty();
        h.Registry.Connectors.Where(c => c.Type == DrcType.Lmb).Should().OnlyContain(c => !c.IsUnplugPending);
        h.Registry.AssertInvariants();
    }

    [Fact]
    public void Unisolate_RejectionOfOneCpu_LeavesOtherPendingUnplugsAlone()
    {
        using var h = new UnplugHarness();
        var cpu1 = h.HotPlug(DrcType.Cpu, 1);
        var cpu2 = h.HotPlug(DrcType.Cpu, 2);
        h.Registry.RequestUnplug(cpu1);
        h.Registry.RequestUnplug(cpu2);

        h.Unisolate(cpu1);
        h.Clock.Advance(TimeSpan.FromSeconds(15));

        h.Rejected.Select(e => e.Index).Should().Equal(cpu1);
        h.TimedOut.Select(e => e.Index).Should().Equal(cpu2);
    }
}
