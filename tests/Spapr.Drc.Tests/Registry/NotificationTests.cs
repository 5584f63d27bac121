using Microsoft.Extensions.Logging;
using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Registry;

/// <summary>Notifications: raised after the lock is released, in order; a throwing handler is logged and harmless.</summary>
public sealed class NotificationTests
{
    [Fact]
    public void UnplugCompleted_Handler_RunsWithoutTheRegistryLock()
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Cpu, 8, DrcState.LogicalAvailable, pending: true);
        bool? lockHeld = null;
        machine.Registry.UnplugCompleted += (_, _) => lockHeld = machine.Registry.Sync.IsHeldByCurrentThread;

        machine.Unusable(drc);

        lockHeld.Should().BeFalse();
    }

    [Fact]
    public void Notifications_HandlerCausesAnotherOnTheSameThread_EveryHandlerSeesThemInOrder()
    {
        using var machine = new Machine();
        var first = machine.InState(DrcType.Cpu, 1, DrcState.LogicalAvailable, pending: true);
        var second = machine.InState(DrcType.Cpu, 2, DrcState.LogicalUnusable);
        var seenByLaterHandler = new List<DrcIndex>();
        machine.Registry.UnplugCompleted += (_, e) =>
        {
            if (e.Index == first.Index)
            {
                // Released at once (never acquired): raises a second UnplugCompleted from inside this handler.
                machine.Registry.RequestUnplug(second.Index).Status.Should().Be(UnplugRequestStatus.CompletedImmediately);
            }
        };
        machine.Registry.UnplugCompleted += (_, e) => seenByLaterHandler.Add(e.Index);

        machine.Unusable(first);

        seenByLaterHandler.Should().Equal(first.Index, second.Index);
    }

    [Fact]
    public void Notifications_SeveralInOneOperation_AreRaisedInOrder()
    {
        using var machine = new Machine();
        var cpus = Enumerable.Range(1, 3).Select(i => machine.InState(DrcType.Cpu, (uint)i, DrcState.LogicalConfigured, pending: true)).ToList();
        machine.Notifications.Clear();

        machine.Registry.Reset();

        machine.Notifications.Unplug.Select(n => n.Index).Should().Equal(cpus.Select(c => c.Index));
    }

    [Fact]
    public void Notifications_AcrossOperations_AreRaisedInTheOrderThingsHappened()
    {
        using var machine = new Machine();
        var cpu = machine.Create(DrcType.Cpu, 8);
        var pci = machine.Create(DrcType.Pci, 8);
        machine.HotPlug(cpu);
        machine.HotPlug(pci);
        machine.Usable(cpu);
        machine.Unisolate(cpu);
        machine.ConfigureAll(cpu);
        machine.Registry.RequestUnplug(cpu.Index, Timeout.InfiniteTimeSpan);
        machine.Unisolate(cpu);
        machine.Registry.RequestUnplug(pci.Index).Status.Should().Be(UnplugRequestStatus.CompletedImmediately);
        machine.Registry.RequestUnplug(cpu.Index, Timeout.InfiniteTimeSpan);
        machine.Registry.CancelUnplug(cpu.Index);

        machine.Notifications.All.Select(n => n.Kind).Should().Equal(
            "HotplugEventQueued", "HotplugEventQueued",
            "HotplugEventQueued", "UnplugRejectedByGuest",
            "UnplugCompleted",
            "HotplugEventQueued", "UnplugCancelled");
    }

    [Fact]
    public void Notification_HandlerThrows_IsLoggedAndOtherHandlersStillRun()
    {
        using var machine = new Machine(recordLogs: true);
        var drc = machine.InState(DrcType.Cpu, 8, DrcState.LogicalAvailable, pending: true);
        var boom = new InvalidOperationException("handler bug");
        int laterHandlerRuns = 0;
        machine.Registry.UnplugCompleted += (_, _) => throw boom;
        machine.Registry.UnplugCompleted += (_, _) => laterHandlerRuns++;

        var status = machine.Unusable(drc);

        status.Should().Be(RtasStatus.Success);
        laterHandlerRuns.Should().Be(1);
        machine.Notifications.Unplug.Should().ContainSingle();
        var record = machine.Logger.Collector.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 10).Subject;
        record.Level.Should().Be(LogLevel.Error);
        record.Exception.Should().BeSameAs(boom);
        record.Message.Should().Contain("UnplugCompleted");
        drc.Device.Should().BeNull();
        machine.Registry.AssertInvariants();
    }

    [Fact]
    public void Notification_HandlerThrowsOnTimerCallback_ClockKeepsWorking()
    {
        using var machine = new Machine(recordLogs: true);
        var cpu1 = machine.InState(DrcType.Cpu, 1, DrcState.LogicalConfigured);
        var cpu2 = machine.InState(DrcType.Cpu, 2, DrcState.LogicalConfigured);
        machine.Registry.UnplugTimedOut += (_, _) => throw new InvalidOperationException("handler bug");
        machine.Registry.RequestUnplug(cpu1.Index, TimeSpan.FromSeconds(1));
        machine.Registry.RequestUnplug(cpu2.Index, TimeSpan.FromSeconds(2));

        machine.Clock.Advance(TimeSpan.FromSeconds(1));
        machine.Clock.Advance(TimeSpan.FromSeconds(1));

        machine.Notifications.Unplug.Where(n => n.Outcome == UnplugOutcome.TimedOut).Select(n => n.Index).Should().Equal(cpu1.Index, cpu2.Index);
        machine.Logger.Collector.GetSnapshot().Count(r => r.Id.Id == 10).Should().Be(2);
    }

    [Fact]
    public void StateChange_IsLoggedWithHexIndexStatesAndStatus()
    {
        using var machine = new Machine(recordLogs: true);
        var drc = machine.Create(DrcType.Cpu, 8);
        machine.HotPlug(drc);

        machine.Usable(drc);

        var record = machine.Logger.Collector.GetSnapshot().Last(r => r.Id.Id == 2);
        record.Message.Should().Contain("0x10000008").And.Contain("LogicalUnusable").And.Contain("LogicalAvailable").And.Contain("status 0");
    }
}
