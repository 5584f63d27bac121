namespace Spapr.Drc.Tests.Unplug;

/// <summary>SPEC sections 5 and 6: what RequestUnplug returns and queues, per connector type.</summary>
public sealed class RequestUnplugTests
{
    private static readonly DrcOptions NoTimeouts = new DrcOptions().SetUnplugTimeout(DrcType.Cpu, Timeout.InfiniteTimeSpan);

    [Fact]
    public void RequestUnplug_AcquiredCpu_RequestedWithRemoveEventByIndex()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);

        var result = h.Registry.RequestUnplug(cpu);

        result.Status.Should().Be(UnplugRequestStatus.Requested);
        result.Accepted.Should().BeTrue();
        result.Index.Should().Be(cpu);
        var remove = h.RemoveEvents().Should().ContainSingle().Subject;
        remove.Type.Should().Be(HotplugType.Cpu);
        remove.Identifier.Should().Be(HotplugIdentifier.DrcIndex);
        remove.Index.Should().Be(cpu);
        remove.Count.Should().Be(1u);
        h.Notifications.Should().BeEmpty();
    }

    [Fact]
    public void RequestUnplug_NoTimeoutRepeatedCpu_RetriesAndRequeuesRemove()
    {
        using var h = new UnplugHarness(NoTimeouts);
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);

        var again = h.Registry.RequestUnplug(cpu);

        again.Status.Should().Be(UnplugRequestStatus.Retried);
        again.TimeRemaining.Should().Be(Timeout.InfiniteTimeSpan);
        h.RemoveEvents().Should().HaveCount(2).And.OnlyContain(e => e.Index == cpu);
        h.Registry.GetPendingUnplugs().Should().ContainSingle();
    }

    [Theory]
    [InlineData(DrcType.Phb)]
    [InlineData(DrcType.Pci)]
    [InlineData(DrcType.Pmem)]
    public void RequestUnplug_NoTimeoutRepeatedOtherType_AlreadyInProgressAndNothingRequeued(DrcType type)
    {
        using var h = new UnplugHarness(NoTimeouts);
        var index = h.HotPlug(type, 8);
        h.Registry.RequestUnplug(index);

        var again = h.Registry.RequestUnplug(index);

        again.Status.Should().Be(UnplugRequestStatus.AlreadyPending);
        again.Accepted.Should().BeFalse();
        again.TimeRemaining.Should().Be(Timeout.InfiniteTimeSpan);
        again.Message.Should().Contain("already in progress");
        h.RemoveEvents().Should().ContainSingle();
    }

    [Fact]
    public void RequestUnplug_NoTimeoutRepeatedMemoryDeviceOnAnotherLmb_AlreadyInProgressAndNothingRequeued()
    {
        using var h = new UnplugHarness();
        var first = h.HotPlugMemory(16, 4);
        h.Registry.RequestUnplug(first);

        var again = h.Registry.RequestUnplug(new DrcIndex(first.Value + 3));

        again.Status.Should().Be(UnplugRequestStatus.AlreadyPending);
        again.Message.Should().Contain("already in progress");
        h.RemoveEvents().Should().ContainSingle();
    }

    [Fact]
    public void RequestUnplug_RepeatedWhileTimerRuns_AlreadyPendingWithTimeLeftAndNothingRequeued()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);
        h.Clock.Advance(TimeSpan.FromSeconds(2.5));

        var again = h.Registry.RequestUnplug(cpu);

        again.Status.Should().Be(UnplugRequestStatus.AlreadyPending);
        again.TimeRemaining.Should().Be(TimeSpan.FromSeconds(12.5));
        again.Message.Should().Be($"CPU 1 ({cpu}) unplug is still pending, 13 seconds timeout remaining.");
        h.RemoveEvents().Should().ContainSingle();
    }

    [Fact]
    public void RequestUnplug_BootCpu_NotAllowedWithReason()
    {
        using var h = new UnplugHarness();
        var boot = h.Registry.CreateConnector(DrcType.Cpu, 0).Index;
        h.Registry.Attach(boot, "boot core", UnplugHarness.Fragment("cpu@0"), PlugMode.Cold);

        var result = h.Registry.RequestUnplug(boot);

        result.Status.Should().Be(UnplugRequestStatus.NotAllowed);
        result.Accepted.Should().BeFalse();
        result.Message.Should().Contain("Boot CPU");
        h.Registry[boot].IsUnplugPending.Should().BeFalse();
        h.RemoveEvents().Should().BeEmpty();
    }

    [Fact]
    public void RequestUnplug_BootCpuIdNull_AllowsCore0()
    {
        using var h = new UnplugHarness(new DrcOptions { BootCpuId = null });
        var core0 = h.Registry.CreateConnector(DrcType.Cpu, 0).Index;
        h.Registry.Attach(core0, "core 0", UnplugHarness.Fragment("cpu@0"), PlugMode.Cold);

        h.Registry.RequestUnplug(core0).Status.Should().Be(UnplugRequestStatus.Requested);
    }

    [Fact]
    public void RequestUnplug_UnknownConnector_NoDevice()
    {
        using var h = new UnplugHarness();

        var result = h.Registry.RequestUnplug(DrcIndex.From(DrcType.Cpu, 42));

        result.Status.Should().Be(UnplugRequestStatus.NoDevice);
        result.TimeRemaining.Should().BeNull();
    }

    [Fact]
    public void RequestUnplug_EmptyConnector_NoDevice()
    {
        using var h = new UnplugHarness();
        var cpu = h.Registry.CreateConnector(DrcType.Cpu, 1).Index;

        var result = h.Registry.RequestUnplug(cpu);

        result.Status.Should().Be(UnplugRequestStatus.NoDevice);
        result.Message.Should().Contain("no device");
        h.RemoveEvents().Should().BeEmpty();
    }

    [Theory]
    [InlineData(DrcType.Cpu, HotplugType.Cpu)]
    [InlineData(DrcType.Phb, HotplugType.Phb)]
    public void RequestUnplug_NeverAcquired_CompletedImmediatelyAndRemoveStillQueued(DrcType type, HotplugType hotplugType)
    {
        using var h = new UnplugHarness();
        var index = h.HotPlug(type, 3, acquire: false);

        var result = h.Registry.RequestUnplug(index);

        result.Status.Should().Be(UnplugRequestStatus.CompletedImmediately);
        result.TimeRemaining.Should().BeNull();
        h.Registry[index].Device.Should().BeNull();
        h.Completed.Should().ContainSingle().Which.Outcome.Should().Be(UnplugOutcome.Completed);
        h.RemoveEvents().Should().ContainSingle().Which.Type.Should().Be(hotplugType);
        h.Registry.HasUnplugTimer.Should().BeFalse();
    }

    [Fact]
    public void RequestUnplug_NeverAcquiredMemoryDevice_CompletedImmediatelyWithCountIndexedRemove()
    {
        using var h = new UnplugHarness();
        var first = h.HotPlugMemory(16, 4, acquire: false);

        var result = h.Registry.RequestUnplug(first);

        result.Status.Should().Be(UnplugRequestStatus.CompletedImmediately);
        h.Completed.Should().ContainSingle().Which.Connectors.Should().HaveCount(4);
        var remove = h.RemoveEvents().Should().ContainSingle().Subject;
        remove.Identifier.Should().Be(HotplugIdentifier.DrcCountIndexed);
        remove.Count.Should().Be(4u);
        remove.Index.Should().Be(first);
    }

    [Fact]
    public void RequestUnplug_NeverAcquiredPciFunction0_CompletedImmediatelyWithoutRemoveEvents()
    {
        using var h = new UnplugHarness();
        var f0 = h.HotPlug(DrcType.Pci, 8, acquire: false);

        var result = h.Registry.RequestUnplug(f0);

        result.Status.Should().Be(UnplugRequestStatus.CompletedImmediately);
        h.RemoveEvents().Should().BeEmpty();
    }

    [Fact]
    public void RequestUnplug_PciFunction0_MarksEveryPresentFunctionAndQueuesRemoves7DownTo0()
    {
        using var h = new UnplugHarness();
        var f1 = h.HotPlug(DrcType.Pci, 9, acquire: false);
        var f2 = h.HotPlug(DrcType.Pci, 10, acquire: false);
        var f0 = h.HotPlug(DrcType.Pci, 8, acquire: false);
        foreach (var f in new[] { f0, f1, f2 })
        {
            h.Acquire(f);
        }

        var result = h.Registry.RequestUnplug(f0);

        result.Status.Should().Be(UnplugRequestStatus.Requested);
        new[] { f0, f1, f2 }.Should().OnlyContain(f => h.Registry[f].IsUnplugPending);
        h.RemoveEvents().Select(e => e.Index).Should().Equal(f2, f1, f0);
    }

    [Fact]
    public void RequestUnplug_PciFunction0Cascade_EachFunctionCompletesWhenReleased()
    {
        using var h = new UnplugHarness();
        var f1 = h.HotPlug(DrcType.Pci, 9, acquire: false);
        var f0 = h.HotPlug(DrcType.Pci, 8, acquire: false);
        h.Acquire(f0);
        h.Acquire(f1);
        h.Registry.RequestUnplug(f0);

        h.GuestRelease(f1);
        h.GuestRelease(f0);

        h.Completed.Select(e => e.Index).Should().Equal(f1, f0);
        h.Registry.GetPendingUnplugs().Should().BeEmpty();
    }

    [Fact]
    public void RequestUnplug_NonZeroPciFunctionAlone_MarksOnlyItAndQueuesNothing()
    {
        using var h = new UnplugHarness();
        var f1 = h.HotPlug(DrcType.Pci, 9, acquire: false);
        var f0 = h.HotPlug(DrcType.Pci, 8, acquire: false);
        h.Acquire(f0);
        h.Acquire(f1);

        var result = h.Registry.RequestUnplug(f1);

        result.Status.Should().Be(UnplugRequestStatus.Requested);
        h.Registry[f1].IsUnplugPending.Should().BeTrue();
        h.Registry[f0].IsUnplugPending.Should().BeFalse();
        h.RemoveEvents().Should().BeEmpty();
    }

    [Fact]
    public void RequestUnplug_MemoryDevice_OneRequestOneCountIndexedRemove()
    {
        using var h = new UnplugHarness();
        var first = h.HotPlugMemory(16, 4);

        var result = h.Registry.RequestUnplug(new DrcIndex(first.Value + 2));

        result.Status.Should().Be(UnplugRequestStatus.Requested);
        var pending = h.Registry.GetPendingUnplugs().Should().ContainSingle().Subject;
        pending.Index.Should().Be(first);
        pending.Waiting.Should().HaveCount(4);
        var remove = h.RemoveEvents().Should().ContainSingle().Subject;
        remove.Type.Should().Be(HotplugType.Memory);
        remove.Identifier.Should().Be(HotplugIdentifier.DrcCountIndexed);
        remove.Index.Should().Be(first);
        remove.Count.Should().Be(4u);
    }

    [Fact]
    public void GuestRelease_AllButLastLmb_MemoryDeviceStillPending()
    {
        using var h = new UnplugHarness();
        var first = h.HotPlugMemory(16, 4);
        h.Registry.RequestUnplug(first);

        for (uint i = 0; i < 3; i++)
        {
            h.GuestRelease(new DrcIndex(first.Value + i));
        }

        h.Completed.Should().BeEmpty();
        h.Registry.GetPendingUnplugs().Should().ContainSingle().Which.Waiting.Should().Equal(new DrcIndex(first.Value + 3));
    }

    [Fact]
    public void GuestRelease_LastLmb_OneCompletionForTheDevice()
    {
        using var h = new UnplugHarness();
        var first = h.HotPlugMemory(16, 4, device: "DIMM 0");
        h.Registry.RequestUnplug(first);

        for (uint i = 0; i < 4; i++)
        {
            h.GuestRelease(new DrcIndex(first.Value + 3 - i));
        }

        var completed = h.Completed.Should().ContainSingle().Subject;
        completed.Device.Should().Be("DIMM 0");
        completed.Index.Should().Be(first);
        completed.Connectors.Should().HaveCount(4);
        h.Registry.Connectors.Should().OnlyContain(c => c.Device == null && !c.IsUnplugPending);
    }

    [Fact]
    public void CancelUnplug_Pending_ClearsStateAndNotifiesWithoutTellingTheGuest()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);

        bool cancelled = h.Registry.CancelUnplug(cpu);
        h.Clock.Advance(TimeSpan.FromMinutes(1));

        cancelled.Should().BeTrue();
        var args = h.Cancelled.Should().ContainSingle().Subject;
        args.Outcome.Should().Be(UnplugOutcome.Cancelled);
        args.IsTerminal.Should().BeTrue();
        h.Registry[cpu].IsUnplugPending.Should().BeFalse();
        h.Registry[cpu].Device.Should().NotBeNull();
        h.RemoveEvents().Should().ContainSingle("the guest is not told: the queued Remove stays");
        h.TimedOut.Should().BeEmpty();
    }

    [Fact]
    public void CancelUnplug_ThenGuestReleases_NothingIsReleased()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);
        h.Registry.CancelUnplug(cpu);

        h.GuestRelease(cpu);

        h.Registry[cpu].Device.Should().NotBeNull();
        h.Completed.Should().BeEmpty();
    }

    [Fact]
    public void CancelUnplug_NothingPending_ReturnsFalse()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);

        h.Registry.CancelUnplug(cpu).Should().BeFalse();
        h.Registry.CancelUnplug(DrcIndex.From(DrcType.Cpu, 99)).Should().BeFalse();
        h.Notifications.Should().BeEmpty();
    }

    [Fact]
    public void CancelUnplug_MemoryDeviceThroughAnyLmb_ClearsEveryLmb()
    {
        using var h = new UnplugHarness();
        var first = h.HotPlugMemory(16, 4);
        h.Registry.RequestUnplug(first);

        h.Registry.CancelUnplug(new DrcIndex(first.Value + 1)).Should().BeTrue();

        h.Cancelled.Should().ContainSingle();
        h.Registry.Connectors.Should().OnlyContain(c => !c.IsUnplugPending);
    }

    [Fact]
    public void RequestId_EveryNotificationOfOneRequest_SharesIt()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);
        h.Clock.Advance(TimeSpan.FromSeconds(15));
        h.Registry.RequestUnplug(cpu);
        h.Clock.Advance(TimeSpan.FromSeconds(15));

        h.GuestRelease(cpu);

        h.Notifications.Select(n => n.Args.RequestId).Distinct().Should().ContainSingle();
        h.Notifications.Select(n => n.Kind).Should().Equal("UnplugTimedOut", "UnplugTimedOut", "UnplugCompleted");
    }

    [Fact]
    public void Retry_PciFunction0AfterTimeout_RetriesEveryFunctionOfTheSlot()
    {
        using var h = new UnplugHarness();
        var f1 = h.HotPlug(DrcType.Pci, 9, acquire: false);
        var f0 = h.HotPlug(DrcType.Pci, 8, acquire: false);
        h.Acquire(f0);
        h.Acquire(f1);
        h.Registry.RequestUnplug(f0, TimeSpan.FromSeconds(10));
        h.Clock.Advance(TimeSpan.FromSeconds(10));

        var retry = h.Registry.RequestUnplug(f0);
        h.Clock.Advance(TimeSpan.FromSeconds(10));

        retry.Status.Should().Be(UnplugRequestStatus.Retried);
        h.RemoveEvents().Select(e => e.Index).Should().Equal(f1, f0, f1, f0);
        h.TimedOut.Select(e => e.Index).Should().BeEquivalentTo(new[] { f0, f1, f0, f1 });
    }
}
