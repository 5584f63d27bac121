using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>SPEC sections 5 and 6: reset completes pending unplugs and stops their timers; disposal stops every timer.</summary>
public sealed class ResetAndDisposeTests
{
    [Fact]
    public void Reset_WhilePending_CompletesByReset()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);

        machine.Registry.Reset();

        var completed = machine.Notifications.Completed.Should().ContainSingle().Subject;
        completed.Outcome.Should().Be(UnplugOutcome.CompletedByReset);
        completed.IsTerminal.Should().BeTrue();
        machine.Registry[cpu].Device.Should().BeNull();
        machine.Registry[cpu].IsUnplugPending.Should().BeFalse();
    }

    [Fact]
    public void Reset_WhilePending_NoTimeoutFiresLater()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);
        machine.Clock.Advance(TimeSpan.FromSeconds(5));

        machine.Registry.Reset();
        machine.Clock.Advance(TimeSpan.FromMinutes(5));

        machine.Notifications.TimedOut.Should().BeEmpty();
        machine.Notifications.Unplug.Should().ContainSingle();
    }

    [Fact]
    public void NegotiateClientArchitecture_WhilePending_CompletesByResetWithoutLaterTimeout()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);

        machine.Registry.NegotiateClientArchitecture();
        machine.Clock.Advance(TimeSpan.FromMinutes(1));

        machine.Notifications.Unplug.Should().ContainSingle().Which.Outcome.Should().Be(UnplugOutcome.CompletedByReset);
    }

    [Fact]
    public void Reset_PendingMemoryDevice_OneCompletionForTheWholeDevice()
    {
        using var machine = new Machine();
        var first = machine.HotAddMemory(16, 4);
        machine.Registry.RequestUnplug(first);

        machine.Registry.Reset();

        machine.Notifications.Completed.Should().ContainSingle().Which.Connectors.Should().HaveCount(4);
        machine.Registry.Connectors.Should().OnlyContain(c => c.Device == null);
    }

    [Fact]
    public void Dispose_WithPendingTimerOnFakeClock_NothingFiresAfterwards()
    {
        var machine = new Machine(recordLogs: true);
        var cpu1 = machine.HotAdd(DrcType.Cpu, 1);
        var cpu2 = machine.HotAdd(DrcType.Cpu, 2);
        machine.Registry.RequestUnplug(cpu1);
        machine.Clock.Advance(TimeSpan.FromSeconds(3));
        machine.Registry.RequestUnplug(cpu2);

        machine.Dispose();
        machine.Clock.Advance(TimeSpan.FromMinutes(5));

        machine.Notifications.Unplug.Should().BeEmpty();
        machine.Logger.Collector.GetSnapshot().Should().NotContain(r => r.Id.Id == 7 || r.Id.Id == 13);
    }

    [Fact]
    public void Dispose_Twice_DoesNotThrow()
    {
        var machine = new Machine();
        machine.Dispose();

        var act = machine.Dispose;

        act.Should().NotThrow();
    }

    [Fact]
    public void RequestUnplug_AfterDispose_ThrowsObjectDisposed()
    {
        var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Dispose();

        var act = () => machine.Registry.RequestUnplug(cpu);

        act.Should().Throw<ObjectDisposedException>();
    }
}
