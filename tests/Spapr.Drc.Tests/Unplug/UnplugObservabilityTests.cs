namespace Spapr.Drc.Tests.Unplug;

/// <summary>SPEC section 6: pending state, deadline and time left per connector; the registry's list of pending unplugs.</summary>
public sealed class UnplugObservabilityTests
{
    [Fact]
    public void Connector_PendingCpu_ShowsDeadlineAndTimeLeft()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        var t0 = h.Clock.GetUtcNow();
        h.Registry.RequestUnplug(cpu);

        h.Clock.Advance(TimeSpan.FromSeconds(4));

        var drc = h.Registry[cpu];
        drc.IsUnplugPending.Should().BeTrue();
        drc.UnplugDeadline.Should().Be(t0 + TimeSpan.FromSeconds(15));
        drc.UnplugTimeRemaining.Should().Be(TimeSpan.FromSeconds(11));
    }

    [Fact]
    public void Connector_NothingRequested_ShowsNothingPending()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);

        var drc = h.Registry[cpu];

        drc.IsUnplugPending.Should().BeFalse();
        drc.UnplugDeadline.Should().BeNull();
        drc.UnplugTimeRemaining.Should().BeNull();
    }

    [Fact]
    public void Connector_PendingWithoutTimeout_PendingButNoDeadline()
    {
        using var h = new UnplugHarness();
        var first = h.HotPlugMemory(16, 2);
        h.Registry.RequestUnplug(first);

        var drc = h.Registry[first];

        drc.IsUnplugPending.Should().BeTrue();
        drc.UnplugDeadline.Should().BeNull();
        drc.UnplugTimeRemaining.Should().Be(Timeout.InfiniteTimeSpan, "no timeout has one encoding: infinite, as the options and the result say");
    }

    [Fact]
    public void Connector_AfterRelease_ShowsNothingPending()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);

        h.GuestRelease(cpu);

        h.Registry[cpu].IsUnplugPending.Should().BeFalse();
        h.Registry[cpu].UnplugDeadline.Should().BeNull();
    }

    [Fact]
    public void GetPendingUnplugs_SeveralDevices_ListsOneEntryPerRequestInIndexOrder()
    {
        using var h = new UnplugHarness();
        var cpu2 = h.HotPlug(DrcType.Cpu, 2, device: "core 2");
        var cpu1 = h.HotPlug(DrcType.Cpu, 1, device: "core 1");
        var first = h.HotPlugMemory(16, 3, device: "DIMM");
        var t0 = h.Clock.GetUtcNow();
        h.Registry.RequestUnplug(cpu2);
        h.Clock.Advance(TimeSpan.FromSeconds(1));
        h.Registry.RequestUnplug(first);
        h.Registry.RequestUnplug(cpu1);

        var pending = h.Registry.GetPendingUnplugs();

        pending.Select(p => p.Index).Should().Equal(cpu1, cpu2, first);
        pending.Select(p => p.Device).Should().Equal("core 1", "core 2", "DIMM");
        pending[1].RequestedAt.Should().Be(t0);
        pending[1].Deadline.Should().Be(t0 + TimeSpan.FromSeconds(15));
        pending[0].Deadline.Should().Be(t0 + TimeSpan.FromSeconds(16));
        pending[2].Deadline.Should().BeNull();
        pending[2].Waiting.Should().HaveCount(3);
        pending.Select(p => p.RequestId).Should().OnlyHaveUniqueItems();
        pending.Should().OnlyContain(p => !p.TimedOut);
    }

    [Fact]
    public void GetPendingUnplugs_NothingPending_IsEmpty()
    {
        using var h = new UnplugHarness();
        h.HotPlug(DrcType.Cpu, 1);

        h.Registry.GetPendingUnplugs().Should().BeEmpty();
    }

    [Fact]
    public void Notification_Args_CarryNameDeviceAndTimes()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 8, device: "core 8");
        var t0 = h.Clock.GetUtcNow();
        h.Registry.RequestUnplug(cpu);
        h.Clock.Advance(TimeSpan.FromSeconds(2));

        h.GuestRelease(cpu);

        var e = h.Completed.Single();
        e.Index.Should().Be(cpu);
        e.Name.Should().Be("CPU 8");
        e.Device.Should().Be("core 8");
        e.Connectors.Should().Equal(cpu);
        e.RequestedAt.Should().Be(t0);
        e.OccurredAt.Should().Be(t0 + TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void Notifications_RaisedOutsideTheLock_HandlerMayQueryTheRegistry()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        bool? pendingSeenByHandler = null;
        h.Registry.UnplugTimedOut += (_, e) => pendingSeenByHandler = h.Registry[e.Index].IsUnplugPending;
        h.Registry.RequestUnplug(cpu);

        h.Clock.Advance(TimeSpan.FromSeconds(15));

        pendingSeenByHandler.Should().BeTrue();
    }
}
