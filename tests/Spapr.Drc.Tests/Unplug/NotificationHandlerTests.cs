using Microsoft.Extensions.Logging;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>A throwing notification handler is the emulator's bug: logged, and neither the registry nor the clock breaks.</summary>
public sealed class NotificationHandlerTests
{
    [Fact]
    public void TimedOutHandler_Throws_AdvanceReturnsAndFailureIsLogged()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.UnplugTimedOut += (_, _) => throw new InvalidOperationException("handler bug");
        h.Registry.RequestUnplug(cpu);

        var act = () => h.Clock.Advance(TimeSpan.FromSeconds(15));

        act.Should().NotThrow();
        var record = h.Logger.Collector.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 10).Subject;
        record.Level.Should().Be(LogLevel.Error);
        record.Exception.Should().BeOfType<InvalidOperationException>().Which.Message.Should().Be("handler bug");
    }

    [Fact]
    public void TimedOutHandler_Throws_OtherHandlersStillRun()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.UnplugTimedOut += (_, _) => throw new InvalidOperationException("handler bug");
        int later = 0;
        h.Registry.UnplugTimedOut += (_, _) => later++;
        h.Registry.RequestUnplug(cpu);

        h.Clock.Advance(TimeSpan.FromSeconds(15));

        later.Should().Be(1);
        h.TimedOut.Should().ContainSingle();
    }

    [Fact]
    public void TimedOutHandler_Throws_RegistryAndClockKeepWorking()
    {
        using var h = new UnplugHarness();
        var cpu1 = h.HotPlug(DrcType.Cpu, 1);
        var cpu2 = h.HotPlug(DrcType.Cpu, 2);
        h.Registry.UnplugTimedOut += (_, _) => throw new InvalidOperationException("handler bug");
        h.Registry.RequestUnplug(cpu1);
        h.Clock.Advance(TimeSpan.FromSeconds(15));

        var second = h.Registry.RequestUnplug(cpu2);
        h.Clock.Advance(TimeSpan.FromSeconds(15));
        h.GuestRelease(cpu1);

        second.Status.Should().Be(UnplugRequestStatus.Requested);
        h.TimedOut.Select(e => e.Index).Should().Equal(cpu1, cpu2);
        h.Completed.Should().ContainSingle().Which.Index.Should().Be(cpu1);
        h.Registry.AssertInvariants();
    }

    [Fact]
    public void CompletedHandler_Throws_GuestCallStillSucceeds()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.UnplugCompleted += (_, _) => throw new InvalidOperationException("handler bug");
        h.Registry.RequestUnplug(cpu);
        h.Registry.Rtas.SetIndicator(UnplugHarness.Isolation, cpu.Value, 0);

        var status = h.Registry.Rtas.SetIndicator(UnplugHarness.Allocation, cpu.Value, 0);

        status.Should().Be(RtasStatus.Success);
        h.Registry[cpu].Device.Should().BeNull();
        h.Logger.Collector.GetSnapshot().Should().Contain(r => r.Id.Id == 10);
    }

    [Fact]
    public void TimedOutHandler_RetriesFromInsideTheCallback_ReArmsTheTimer()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        var retries = new List<UnplugRequestStatus>();
        h.Registry.UnplugTimedOut += (_, e) =>
        {
            if (retries.Count == 0)
            {
                retries.Add(h.Registry.RequestUnplug(e.Index).Status);
            }
        };
        h.Registry.RequestUnplug(cpu);

        h.Clock.Advance(TimeSpan.FromSeconds(15));
        h.Clock.Advance(TimeSpan.FromSeconds(15));

        retries.Should().Equal(UnplugRequestStatus.Retried);
        h.TimedOut.Should().HaveCount(2);
    }
}
