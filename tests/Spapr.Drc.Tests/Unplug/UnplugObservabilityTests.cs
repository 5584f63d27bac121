using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>SPEC section 6: pending state, deadline and time left per connector; the registry's list of pending unplugs.</summary>
public sealed class UnplugObservabilityTests
{
    [Fact]
    public void Connector_PendingCpu_ShowsDeadlineAndTimeLeft()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        var t0 = machine.Clock.GetUtcNow();
        machine.Registry.RequestUnplug(cpu);

        machine.Clock.Advance(TimeSpan.FromSeconds(4));

        var drc = machine.Registry[cpu];
        drc.IsUnplugPending.Should().BeTrue();
        drc.UnplugDeadline.Should().Be(t0 + TimeSpan.FromSeconds(15));
        drc.UnplugTimeRemaining.Should().Be(TimeSpan.FromSeconds(11));
    }

    [Fact]
    public void Connector_NothingRequested_ShowsNothingPending()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);

        var drc = machine.Registry[cpu];

        drc.IsUnplugPending.Should().BeFalse();
        drc.UnplugDeadline.Should().BeNull();
        drc.UnplugTimeRemaining.Should().BeNull();
    }

    [Fact]
    public void Connector_PendingWithoutTimeout_PendingButNoDeadline()
    {
        using var machine = new Machine();
        var first = machine.HotAddMemory(16, 2);
        machine.Registry.RequestUnplug(first, Timeout.InfiniteTimeSpan);

        var drc = machine.Registry[first];

        drc.IsUnplugPending.Should().BeTrue();
        drc.UnplugDeadline.Should().BeNull();
        drc.UnplugTimeRemaining.Should().Be(Timeout.InfiniteTimeSpan, "no timeout has one encoding: infinite, as the options and the result say");
    }

    [Fact]
    public void Connector_MemoryWithTheDefaultTimeout_HasADeadlineTwoMinutesAway()
    {
        using var machine = new Machine();
        var first = machine.HotAddMemory(16, 2);
        var t0 = machine.Clock.GetUtcNow();
        machine.Registry.RequestUnplug(first);

        machine.Registry[first].UnplugDeadline.Should().Be(t0 + TimeSpan.FromMinutes(2));
        machine.Registry[first].UnplugTimeRemaining.Should().Be(TimeSpan.FromMinutes(2));
    }

    [Fact]
    public void Connector_AfterRelease_ShowsNothingPending()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);

        machine.GuestRelease(cpu);

        machine.Registry[cpu].IsUnplugPending.Should().BeFalse();
        machine.Registry[cpu].UnplugDeadline.Should().BeNull();
    }

    [Fact]
    public void GetPendingUnplugs_SeveralDevices_ListsOneEntryPerRequestInIndexOrder()
    {
        using var machine = new Machine();
        var cpu2 = machine.HotAdd(DrcType.Cpu, 2, device: "core 2");
        var cpu1 = machine.HotAdd(DrcType.Cpu, 1, device: "core 1");
        var first = machine.HotAddMemory(16, 3, device: "DIMM");
        var t0 = machine.Clock.GetUtcNow();
        machine.Registry.RequestUnplug(cpu2);
        machine.Clock.Advance(TimeSpan.FromSeconds(1));
        machine.Registry.RequestUnplug(first);
        machine.Registry.RequestUnplug(cpu1);

        var pending = machine.Registry.GetPendingUnplugs();

        pending.Select(p => p.Index).Should().Equal(cpu1, cpu2, first);
        pending.Select(p => p.Device).Should().Equal("core 1", "core 2", "DIMM");
        pending[1].RequestedAt.Should().Be(t0);
        pending[1].Deadline.Should().Be(t0 + TimeSpan.FromSeconds(15));
        pending[0].Deadline.Should().Be(t0 + TimeSpan.FromSeconds(16));
        pending[2].Deadline.Should().Be(t0 + TimeSpan.FromSeconds(1) + TimeSpan.FromMinutes(2), "memory's default timeout is 2 minutes");
        pending[2].Waiting.Should().HaveCount(3);
        pending.Select(p => p.RequestId).Should().OnlyHaveUniqueItems();
        pending.Should().OnlyContain(p => !p.TimedOut);
    }

    [Fact]
    public void GetPendingUnplugs_NothingPending_IsEmpty()
    {
        using var machine = new Machine();
        machine.HotAdd(DrcType.Cpu, 1);

        machine.Registry.GetPendingUnplugs().Should().BeEmpty();
    }

    [Fact]
    public void Notification_Args_CarryNameDeviceAndTimes()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 8, device: "core 8");
        var t0 = machine.Clock.GetUtcNow();
        machine.Registry.RequestUnplug(cpu);
        machine.Clock.Advance(TimeSpan.FromSeconds(2));

        machine.GuestRelease(cpu);

        var e = machine.Notifications.Completed.Single();
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
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        bool? pendingSeenByHandler = null;
        machine.Registry.UnplugTimedOut += (_, e) => pendingSeenByHandler = machine.Registry[e.Index].IsUnplugPending;
        machine.Registry.RequestUnplug(cpu);

        machine.Clock.Advance(TimeSpan.FromSeconds(15));

        pendingSeenByHandler.Should().BeTrue();
    }
}
