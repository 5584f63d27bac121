using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>SPEC sections 3 and 4: the guest rejects an unplug by unisolating, or (LMB) by configure-connector.</summary>
public sealed class GuestRejectionTests
{
    [Fact]
    public void Unisolate_CpuWithPendingUnplug_RejectsOnceAndClearsTheFlag()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);

        machine.Unisolate(cpu).Should().Be(RtasStatus.Success);

        var rejected = machine.Notifications.Rejected.Should().ContainSingle().Subject;
        rejected.Outcome.Should().Be(UnplugOutcome.RejectedByGuest);
        rejected.IsTerminal.Should().BeTrue();
        machine.Registry[cpu].IsUnplugPending.Should().BeFalse();
        machine.Registry[cpu].Device.Should().NotBeNull();
        machine.Registry[cpu].State.Should().Be(DrcState.LogicalConfigured);
    }

    [Fact]
    public void Unisolate_CpuRejected_NoTimeoutFiresAfterwards()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);
        machine.Clock.Advance(TimeSpan.FromSeconds(10));
        machine.Unisolate(cpu);

        machine.Clock.Advance(TimeSpan.FromMinutes(5));

        machine.Notifications.TimedOut.Should().BeEmpty();
        machine.Notifications.Unplug.Should().ContainSingle();
    }

    [Fact]
    public void Unisolate_RepeatedAfterRejection_NotifiesOnlyOnce()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);

        machine.Unisolate(cpu);
        machine.Unisolate(cpu);

        machine.Notifications.Rejected.Should().ContainSingle();
    }

    [Fact]
    public void ConfigureConnector_LmbOfPendingMemoryDevice_RejectsTheWholeDeviceOnce()
    {
        using var machine = new Machine();
        var first = machine.HotAddMemory(16, 4);
        machine.Registry.RequestUnplug(first, TimeSpan.FromSeconds(30));
        var third = new DrcIndex(first.Value + 2);

        machine.ConfigureOnce(third);

        var rejected = machine.Notifications.Rejected.Should().ContainSingle().Subject;
        rejected.Index.Should().Be(first);
        rejected.Connectors.Should().HaveCount(4);
        machine.Registry.Connectors.Where(c => c.Type == DrcType.Lmb).Should().OnlyContain(c => !c.IsUnplugPending && c.Device != null);
        machine.Registry.GetPendingUnplugs().Should().BeEmpty();
    }

    [Fact]
    public void ConfigureConnector_RejectedMemoryDevice_NoTimeoutFiresAfterwards()
    {
        using var machine = new Machine();
        var first = machine.HotAddMemory(16, 4);
        machine.Registry.RequestUnplug(first, TimeSpan.FromSeconds(30));
        machine.ConfigureOnce(new DrcIndex(first.Value + 1));

        machine.Clock.Advance(TimeSpan.FromMinutes(5));

        machine.Notifications.TimedOut.Should().BeEmpty();
        machine.Notifications.Unplug.Should().ContainSingle();
    }

    [Fact]
    public void Unisolate_LmbAfterPartialRelease_RollsBackTheRemainingLmbsOnce()
    {
        using var machine = new Machine();
        var first = machine.HotAddMemory(16, 4);
        machine.Registry.RequestUnplug(first);
        machine.GuestRelease(first);
        var second = new DrcIndex(first.Value + 1);

        machine.Unisolate(second).Should().Be(RtasStatus.Success);

        machine.Notifications.Rejected.Should().ContainSingle();
        machine.Notifications.Completed.Should().BeEmpty();
        machine.Registry.Connectors.Where(c => c.Type == DrcType.Lmb).Should().OnlyContain(c => !c.IsUnplugPending);
        machine.Registry.AssertInvariants();
    }

    [Fact]
    public void Unisolate_RejectionOfOneCpu_LeavesOtherPendingUnplugsAlone()
    {
        using var machine = new Machine();
        var cpu1 = machine.HotAdd(DrcType.Cpu, 1);
        var cpu2 = machine.HotAdd(DrcType.Cpu, 2);
        machine.Registry.RequestUnplug(cpu1);
        machine.Registry.RequestUnplug(cpu2);

        machine.Unisolate(cpu1);
        machine.Clock.Advance(TimeSpan.FromSeconds(15));

        machine.Notifications.Rejected.Select(e => e.Index).Should().Equal(cpu1);
        machine.Notifications.TimedOut.Select(e => e.Index).Should().Equal(cpu2);
    }
}
