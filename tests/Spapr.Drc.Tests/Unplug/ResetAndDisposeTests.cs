namespace Spapr.Drc.Tests.Unplug;

/// <summary>SPEC sections 5 and 6: reset completes pending unplugs and stops their timers; disposal stops every timer.</summary>
public sealed class ResetAndDisposeTests
{
    [Fact]
    public void Reset_WhilePending_CompletesByReset()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);

        h.Registry.Reset();

        var completed = h.Completed.Should().ContainSingle().Subject;
        completed.Outcome.Should().Be(UnplugOutcome.CompletedByReset);
        completed.IsTerminal.Should().BeTrue();
        h.Registry[cpu].Device.Should().BeNull();
        h.Registry[cpu].IsUnplugPending.Should().BeFalse();
    }

    [Fact]
    public void Reset_WhilePending_NoTimeoutFiresLater()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);
        h.Clock.Advance(TimeSpan.FromSeconds(5));

        h.Registry.Reset();
        h.Clock.Advance(TimeSpan.FromMinutes(5));

        h.TimedOut.Should().BeEmpty();
        h.Notifications.Should().ContainSingle();
    }

    [Fact]
    public void NegotiateClientArchitecture_WhilePending_CompletesByResetWithoutLaterTimeout()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);

        h.Registry.NegotiateClientArchitecture();
        h.Clock.Advance(TimeSpan.FromMinutes(1));

        h.Notifications.Should().ContainSingle().Which.Args.Outcome.Should().Be(UnplugOutcome.CompletedByReset);
    }

    [Fact]
    public void Reset_PendingMemoryDevice_OneCompletionForTheWholeDevice()
    {
        using var h = new UnplugHarness();
        var first = h.HotPlugMemory(16, 4);
        h.Registry.RequestUnplug(first);

        h.Registry.Reset();

        h.Completed.Should().ContainSingle().Which.Connectors.Should().HaveCount(4);
        h.Registry.Connectors.Should().OnlyContain(c => c.Device == null);
    }

    [Fact]
    public void Dispose_WithPendingTimerOnFakeClock_NothingFiresAfterwards()
    {
        var h = new UnplugHarness();
        var cpu1 = h.HotPlug(DrcType.Cpu, 1);
        var cpu2 = h.HotPlug(DrcType.Cpu, 2);
        h.Registry.RequestUnplug(cpu1);
        h.Clock.Advance(TimeSpan.FromSeconds(3));
        h.Registry.RequestUnplug(cpu2);

        h.Dispose();
        h.Clock.Advance(TimeSpan.FromMinutes(5));

        h.Notifications.Should().BeEmpty();
        h.Logger.Collector.GetSnapshot().Should().NotContain(r => r.Id.Id == 7 || r.Id.Id == 13);
    }

    [Fact]
    public void Dispose_WithPendingTimerOnSystemClock_NothingFiresAfterwards()
    {
        var h = new UnplugHarness(clock: TimeProvider.System);
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu, TimeSpan.FromMilliseconds(200));

        h.Dispose();
        Thread.Sleep(500);

        h.Notifications.Should().BeEmpty();
    }

    [Fact]
    public void RequestUnplug_OnSystemClock_TimesOutAfterTheShortTimeout()
    {
        using var h = new UnplugHarness(clock: TimeProvider.System);
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        using var timedOut = new ManualResetEventSlim();
        h.Registry.UnplugTimedOut += (_, _) => timedOut.Set();

        h.Registry.RequestUnplug(cpu, TimeSpan.FromMilliseconds(50));

        timedOut.Wait(TimeSpan.FromSeconds(10)).Should().BeTrue();
        h.TimedOut.Should().ContainSingle();
    }

    [Fact]
    public void Dispose_Twice_DoesNotThrow()
    {
        var h = new UnplugHarness();
        h.Dispose();

        var act = h.Dispose;

        act.Should().NotThrow();
    }

    [Fact]
    public void RequestUnplug_AfterDispose_ThrowsObjectDisposed()
    {
        var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Dispose();

        var act = () => h.Registry.RequestUnplug(cpu);

        act.Should().Throw<ObjectDisposedException>();
    }
}
