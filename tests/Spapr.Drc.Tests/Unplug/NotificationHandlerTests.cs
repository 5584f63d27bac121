using Microsoft.Extensions.Logging;
using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>A throwing notification handler is the emulator's bug: logged, and neither the registry nor the clock breaks.</summary>
public sealed class NotificationHandlerTests
{
    [Fact]
    public void TimedOutHandler_Throws_AdvanceReturnsAndFailureIsLogged()
    {
        using var machine = new Machine(recordLogs: true);
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.UnplugTimedOut += (_, _) => throw new InvalidOperationException("handler bug");
        machine.Registry.RequestUnplug(cpu);

        var act = () => machine.Clock.Advance(TimeSpan.FromSeconds(15));

        act.Should().NotThrow();
        var record = machine.Logger.Collector.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 10).Subject;
        record.Level.Should().Be(LogLevel.Error);
        record.Exception.Should().BeOfType<InvalidOperationException>().Which.Message.Should().Be("handler bug");
    }

    [Fact]
    public void TimedOutHandler_Throws_OtherHandlersStillRun()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.UnplugTimedOut += (_, _) => throw new InvalidOperationException("handler bug");
        int later = 0;
        machine.Registry.UnplugTimedOut += (_, _) => later++;
        machine.Registry.RequestUnplug(cpu);

        machine.Clock.Advance(TimeSpan.FromSeconds(15));

        later.Should().Be(1);
        machine.Notifications.TimedOut.Should().ContainSingle();
    }

    [Fact]
    public void TimedOutHandler_Throws_RegistryAndClockKeepWorking()
    {
        using var machine = new Machine();
        var cpu1 = machine.HotAdd(DrcType.Cpu, 1);
        var cpu2 = machine.HotAdd(DrcType.Cpu, 2);
        machine.Registry.UnplugTimedOut += (_, _) => throw new InvalidOperationException("handler bug");
        machine.Registry.RequestUnplug(cpu1);
        machine.Clock.Advance(TimeSpan.FromSeconds(15));

        var second = machine.Registry.RequestUnplug(cpu2);
        machine.Clock.Advance(TimeSpan.FromSeconds(15));
        machine.GuestRelease(cpu1);

        second.Status.Should().Be(UnplugRequestStatus.Requested);
        machine.Notifications.TimedOut.Select(e => e.Index).Should().Equal(cpu1, cpu2);
        machine.Notifications.Completed.Should().ContainSingle().Which.Index.Should().Be(cpu1);
        machine.Registry.AssertInvariants();
    }

    [Fact]
    public void CompletedHandler_Throws_GuestCallStillSucceeds()
    {
        using var machine = new Machine(recordLogs: true);
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.UnplugCompleted += (_, _) => throw new InvalidOperationException("handler bug");
        machine.Registry.RequestUnplug(cpu);
        machine.Registry.Rtas.SetIndicator(Machine.Isolation, cpu.Value, 0);

        var status = machine.Registry.Rtas.SetIndicator(Machine.Allocation, cpu.Value, 0);

        status.Should().Be(RtasStatus.Success);
        machine.Registry[cpu].Device.Should().BeNull();
        machine.Logger.Collector.GetSnapshot().Should().Contain(r => r.Id.Id == 10);
    }

    [Fact]
    public void TimedOutHandler_RetriesFromInsideTheCallback_ReArmsTheTimer()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        var retries = new List<UnplugRequestStatus>();
        machine.Registry.UnplugTimedOut += (_, e) =>
        {
            if (retries.Count == 0)
            {
                retries.Add(machine.Registry.RequestUnplug(e.Index).Status);
            }
        };
        machine.Registry.RequestUnplug(cpu);

        machine.Clock.Advance(TimeSpan.FromSeconds(15));
        machine.Clock.Advance(TimeSpan.FromSeconds(15));

        retries.Should().Equal(UnplugRequestStatus.Retried);
        machine.Notifications.TimedOut.Should().HaveCount(2);
    }
}
