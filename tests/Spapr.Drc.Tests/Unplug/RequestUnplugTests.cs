using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>SPEC sections 5 and 6: what RequestUnplug returns and queues, per connector type.</summary>
public sealed class RequestUnplugTests
{
    private static readonly DrcOptions NoTimeouts = new DrcOptions()
        .SetUnplugTimeout(DrcType.Cpu, Timeout.InfiniteTimeSpan)
        .SetUnplugTimeout(DrcType.Lmb, Timeout.InfiniteTimeSpan)
        .SetUnplugTimeout(DrcType.Pmem, Timeout.InfiniteTimeSpan);

    [Fact]
    public void RequestUnplug_AcquiredCpu_RequestedWithRemoveEventByIndex()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);

        var result = machine.Registry.RequestUnplug(cpu);

        result.Status.Should().Be(UnplugRequestStatus.Requested);
        result.Accepted.Should().BeTrue();
        result.Index.Should().Be(cpu);
        var remove = machine.RemoveEvents().Should().ContainSingle().Subject;
        remove.Type.Should().Be(HotplugType.Cpu);
        remove.Identifier.Should().Be(HotplugIdentifier.DrcIndex);
        remove.Index.Should().Be(cpu);
        remove.Count.Should().Be(1u);
        machine.Notifications.Unplug.Should().BeEmpty();
    }

    [Fact]
    public void RequestUnplug_NoTimeoutRepeatedCpu_RetriesAndRequeuesRemove()
    {
        using var machine = new Machine(NoTimeouts);
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);

        var again = machine.Registry.RequestUnplug(cpu);

        again.Status.Should().Be(UnplugRequestStatus.Retried);
        again.TimeRemaining.Should().Be(Timeout.InfiniteTimeSpan);
        machine.RemoveEvents().Should().HaveCount(2).And.OnlyContain(e => e.Index == cpu);
        machine.Registry.GetPendingUnplugs().Should().ContainSingle();
    }

    [Theory]
    [InlineData(DrcType.Phb)]
    [InlineData(DrcType.Pci)]
    [InlineData(DrcType.Pmem)]
    public void RequestUnplug_NoTimeoutRepeatedOtherType_AlreadyInProgressAndNothingRequeued(DrcType type)
    {
        using var machine = new Machine(NoTimeouts);
        var index = machine.HotAdd(type, 8);
        machine.Registry.RequestUnplug(index);

        var again = machine.Registry.RequestUnplug(index);

        again.Status.Should().Be(UnplugRequestStatus.AlreadyPending);
        again.Accepted.Should().BeFalse();
        again.TimeRemaining.Should().Be(Timeout.InfiniteTimeSpan);
        again.Message.Should().Contain("already in progress");
        machine.RemoveEvents().Should().ContainSingle();
    }

    [Fact]
    public void RequestUnplug_NoTimeoutRepeatedMemoryDeviceOnAnotherLmb_AlreadyInProgressAndNothingRequeued()
    {
        using var machine = new Machine(NoTimeouts);
        var first = machine.HotAddMemory(16, 4);
        machine.Registry.RequestUnplug(first);

        var again = machine.Registry.RequestUnplug(new DrcIndex(first.Value + 3));

        again.Status.Should().Be(UnplugRequestStatus.AlreadyPending);
        again.Message.Should().Contain("already in progress");
        machine.RemoveEvents().Should().ContainSingle();
    }

    [Fact]
    public void RequestUnplug_RepeatedWhileTimerRuns_AlreadyPendingWithTimeLeftAndNothingRequeued()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);
        machine.Clock.Advance(TimeSpan.FromSeconds(2.5));

        var again = machine.Registry.RequestUnplug(cpu);

        again.Status.Should().Be(UnplugRequestStatus.AlreadyPending);
        again.TimeRemaining.Should().Be(TimeSpan.FromSeconds(12.5));
        again.Message.Should().Be($"CPU 1 ({cpu}) unplug is still pending, 13 seconds timeout remaining.");
        machine.RemoveEvents().Should().ContainSingle();
    }

    [Fact]
    public void RequestUnplug_BootCpu_NotAllowedWithReason()
    {
        using var machine = new Machine();
        var boot = machine.Registry.CreateConnector(DrcType.Cpu, 0).Index;
        machine.Registry.Attach(boot, "boot core", Fragments.Simple("cpu@0"), PlugMode.Cold);

        var result = machine.Registry.RequestUnplug(boot);

        result.Status.Should().Be(UnplugRequestStatus.NotAllowed);
        result.Accepted.Should().BeFalse();
        result.Message.Should().Contain("Boot CPU");
        machine.Registry[boot].IsUnplugPending.Should().BeFalse();
        machine.RemoveEvents().Should().BeEmpty();
    }

    [Fact]
    public void RequestUnplug_BootCpuIdNull_AllowsCore0()
    {
        using var machine = new Machine(new DrcOptions { BootCpuId = null });
        var core0 = machine.Registry.CreateConnector(DrcType.Cpu, 0).Index;
        machine.Registry.Attach(core0, "core 0", Fragments.Simple("cpu@0"), PlugMode.Cold);

        machine.Registry.RequestUnplug(core0).Status.Should().Be(UnplugRequestStatus.Requested);
    }

    [Fact]
    public void RequestUnplug_UnknownConnector_NoDevice()
    {
        using var machine = new Machine();

        var result = machine.Registry.RequestUnplug(DrcIndex.From(DrcType.Cpu, 42));

        result.Status.Should().Be(UnplugRequestStatus.NoDevice);
        result.TimeRemaining.Should().BeNull();
    }

    [Fact]
    public void RequestUnplug_EmptyConnector_NoDevice()
    {
        using var machine = new Machine();
        var cpu = machine.Registry.CreateConnector(DrcType.Cpu, 1).Index;

        var result = machine.Registry.RequestUnplug(cpu);

        result.Status.Should().Be(UnplugRequestStatus.NoDevice);
        result.Message.Should().Contain("no device");
        machine.RemoveEvents().Should().BeEmpty();
    }

    [Theory]
    [InlineData(DrcType.Cpu, HotplugType.Cpu)]
    [InlineData(DrcType.Phb, HotplugType.Phb)]
    public void RequestUnplug_NeverAcquired_CompletedImmediatelyAndRemoveStillQueued(DrcType type, HotplugType hotplugType)
    {
        using var machine = new Machine();
        var index = machine.HotAdd(type, 3, acquire: false);

        var result = machine.Registry.RequestUnplug(index);

        result.Status.Should().Be(UnplugRequestStatus.CompletedImmediately);
        result.TimeRemaining.Should().BeNull();
        machine.Registry[index].Device.Should().BeNull();
        machine.Notifications.Completed.Should().ContainSingle().Which.Outcome.Should().Be(UnplugOutcome.Completed);
        machine.RemoveEvents().Should().ContainSingle().Which.Type.Should().Be(hotplugType);
        machine.Registry.HasUnplugTimer.Should().BeFalse();
    }

    [Fact]
    public void RequestUnplug_NeverAcquiredMemoryDevice_CompletedImmediatelyWithCountIndexedRemove()
    {
        using var machine = new Machine();
        var first = machine.HotAddMemory(16, 4, acquire: false);

        var result = machine.Registry.RequestUnplug(first);

        result.Status.Should().Be(UnplugRequestStatus.CompletedImmediately);
        machine.Notifications.Completed.Should().ContainSingle().Which.Connectors.Should().HaveCount(4);
        var remove = machine.RemoveEvents().Should().ContainSingle().Subject;
        remove.Identifier.Should().Be(HotplugIdentifier.DrcCountIndexed);
        remove.Count.Should().Be(4u);
        remove.Index.Should().Be(first);
    }

    [Fact]
    public void RequestUnplug_NeverAcquiredPciFunction0_CompletedImmediatelyWithoutRemoveEvents()
    {
        using var machine = new Machine();
        var f0 = machine.HotAdd(DrcType.Pci, 8, acquire: false);

        var result = machine.Registry.RequestUnplug(f0);

        result.Status.Should().Be(UnplugRequestStatus.CompletedImmediately);
        machine.RemoveEvents().Should().BeEmpty();
    }

    [Fact]
    public void RequestUnplug_PciFunction0_MarksEveryPresentFunctionAndQueuesRemoves7DownTo0()
    {
        using var machine = new Machine();
        var f1 = machine.HotAdd(DrcType.Pci, 9, acquire: false);
        var f2 = machine.HotAdd(DrcType.Pci, 10, acquire: false);
        var f0 = machine.HotAdd(DrcType.Pci, 8, acquire: false);
        foreach (var f in new[] { f0, f1, f2 })
        {
            machine.Acquire(f);
        }

        var result = machine.Registry.RequestUnplug(f0);

        result.Status.Should().Be(UnplugRequestStatus.Requested);
        new[] { f0, f1, f2 }.Should().OnlyContain(f => machine.Registry[f].IsUnplugPending);
        machine.RemoveEvents().Select(e => e.Index).Should().Equal(f2, f1, f0);
    }

    [Fact]
    public void RequestUnplug_PciFunction0Cascade_EachFunctionCompletesWhenReleased()
    {
        using var machine = new Machine();
        var f1 = machine.HotAdd(DrcType.Pci, 9, acquire: false);
        var f0 = machine.HotAdd(DrcType.Pci, 8, acquire: false);
        machine.Acquire(f0);
        machine.Acquire(f1);
        machine.Registry.RequestUnplug(f0);

        machine.GuestRelease(f1);
        machine.GuestRelease(f0);

        machine.Notifications.Completed.Select(e => e.Index).Should().Equal(f1, f0);
        machine.Registry.GetPendingUnplugs().Should().BeEmpty();
    }

    [Fact]
    public void RequestUnplug_NonZeroPciFunctionAlone_MarksOnlyItAndQueuesNothing()
    {
        using var machine = new Machine();
        var f1 = machine.HotAdd(DrcType.Pci, 9, acquire: false);
        var f0 = machine.HotAdd(DrcType.Pci, 8, acquire: false);
        machine.Acquire(f0);
        machine.Acquire(f1);

        var result = machine.Registry.RequestUnplug(f1);

        result.Status.Should().Be(UnplugRequestStatus.Requested);
        machine.Registry[f1].IsUnplugPending.Should().BeTrue();
        machine.Registry[f0].IsUnplugPending.Should().BeFalse();
        machine.RemoveEvents().Should().BeEmpty();
    }

    [Fact]
    public void RequestUnplug_MemoryDevice_OneRequestOneCountIndexedRemove()
    {
        using var machine = new Machine();
        var first = machine.HotAddMemory(16, 4);

        var result = machine.Registry.RequestUnplug(new DrcIndex(first.Value + 2));

        result.Status.Should().Be(UnplugRequestStatus.Requested);
        var pending = machine.Registry.GetPendingUnplugs().Should().ContainSingle().Subject;
        pending.Index.Should().Be(first);
        pending.Waiting.Should().HaveCount(4);
        var remove = machine.RemoveEvents().Should().ContainSingle().Subject;
        remove.Type.Should().Be(HotplugType.Memory);
        remove.Identifier.Should().Be(HotplugIdentifier.DrcCountIndexed);
        remove.Index.Should().Be(first);
        remove.Count.Should().Be(4u);
    }

    [Fact]
    public void GuestRelease_AllButLastLmb_MemoryDeviceStillPending()
    {
        using var machine = new Machine();
        var first = machine.HotAddMemory(16, 4);
        machine.Registry.RequestUnplug(first);

        for (uint i = 0; i < 3; i++)
        {
            machine.GuestRelease(new DrcIndex(first.Value + i));
        }

        machine.Notifications.Completed.Should().BeEmpty();
        machine.Registry.GetPendingUnplugs().Should().ContainSingle().Which.Waiting.Should().Equal(new DrcIndex(first.Value + 3));
    }

    [Fact]
    public void GuestRelease_LastLmb_OneCompletionForTheDevice()
    {
        using var machine = new Machine();
        var first = machine.HotAddMemory(16, 4, device: "DIMM 0");
        machine.Registry.RequestUnplug(first);

        for (uint i = 0; i < 4; i++)
        {
            machine.GuestRelease(new DrcIndex(first.Value + 3 - i));
        }

        var completed = machine.Notifications.Completed.Should().ContainSingle().Subject;
        completed.Device.Should().Be("DIMM 0");
        completed.Index.Should().Be(first);
        completed.Connectors.Should().HaveCount(4);
        machine.Registry.Connectors.Should().OnlyContain(c => c.Device == null && !c.IsUnplugPending);
    }

    [Fact]
    public void CancelUnplug_Pending_ClearsStateAndNotifiesWithoutTellingTheGuest()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);

        bool cancelled = machine.Registry.CancelUnplug(cpu);
        machine.Clock.Advance(TimeSpan.FromMinutes(1));

        cancelled.Should().BeTrue();
        var args = machine.Notifications.Cancelled.Should().ContainSingle().Subject;
        args.Outcome.Should().Be(UnplugOutcome.Cancelled);
        args.IsTerminal.Should().BeTrue();
        machine.Registry[cpu].IsUnplugPending.Should().BeFalse();
        machine.Registry[cpu].Device.Should().NotBeNull();
        machine.RemoveEvents().Should().ContainSingle("the guest is not told: the queued Remove stays");
        machine.Notifications.TimedOut.Should().BeEmpty();
    }

    [Fact]
    public void CancelUnplug_ThenGuestReleases_NothingIsReleased()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);
        machine.Registry.CancelUnplug(cpu);

        machine.GuestRelease(cpu);

        machine.Registry[cpu].Device.Should().NotBeNull();
        machine.Notifications.Completed.Should().BeEmpty();
    }

    [Fact]
    public void CancelUnplug_NothingPending_ReturnsFalse()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);

        machine.Registry.CancelUnplug(cpu).Should().BeFalse();
        machine.Registry.CancelUnplug(DrcIndex.From(DrcType.Cpu, 99)).Should().BeFalse();
        machine.Notifications.Unplug.Should().BeEmpty();
    }

    [Fact]
    public void CancelUnplug_MemoryDeviceThroughAnyLmb_ClearsEveryLmb()
    {
        using var machine = new Machine();
        var first = machine.HotAddMemory(16, 4);
        machine.Registry.RequestUnplug(first);

        machine.Registry.CancelUnplug(new DrcIndex(first.Value + 1)).Should().BeTrue();

        machine.Notifications.Cancelled.Should().ContainSingle();
        machine.Registry.Connectors.Should().OnlyContain(c => !c.IsUnplugPending);
    }

    [Fact]
    public void RequestId_EveryNotificationOfOneRequest_SharesIt()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);
        machine.Clock.Advance(TimeSpan.FromSeconds(15));
        machine.Registry.RequestUnplug(cpu);
        machine.Clock.Advance(TimeSpan.FromSeconds(15));

        machine.GuestRelease(cpu);

        machine.Notifications.Unplug.Select(n => n.RequestId).Distinct().Should().ContainSingle();
        machine.Notifications.UnplugKinds.Should().Equal("UnplugTimedOut", "UnplugTimedOut", "UnplugCompleted");
    }

    [Fact]
    public void Retry_PciFunction0AfterTimeout_RetriesEveryFunctionOfTheSlot()
    {
        using var machine = new Machine();
        var f1 = machine.HotAdd(DrcType.Pci, 9, acquire: false);
        var f0 = machine.HotAdd(DrcType.Pci, 8, acquire: false);
        machine.Acquire(f0);
        machine.Acquire(f1);
        machine.Registry.RequestUnplug(f0, TimeSpan.FromSeconds(10));
        machine.Clock.Advance(TimeSpan.FromSeconds(10));

        var retry = machine.Registry.RequestUnplug(f0);
        machine.Clock.Advance(TimeSpan.FromSeconds(10));

        retry.Status.Should().Be(UnplugRequestStatus.Retried);
        machine.RemoveEvents().Select(e => e.Index).Should().Equal(f1, f0, f1, f0);
        machine.Notifications.TimedOut.Select(e => e.Index).Should().BeEquivalentTo(new[] { f0, f1, f0, f1 });
    }
}
