using Microsoft.Extensions.Logging;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>SPEC section 6: what a timeout does under KeepPending (default) and ClearRequest (the 2021 behaviour).</summary>
public sealed class TimeoutPolicyTests
{
    private static readonly TimeSpan CpuTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public void TimeoutPolicy_Default_IsKeepPending()
    {
        using var h = new UnplugHarness();

        h.Registry.TimeoutPolicy.Should().Be(UnplugTimeoutPolicy.KeepPending);
    }

    [Fact]
    public void Timeout_KeepPending_LeavesTheRequestPendingWithoutDeadline()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);

        h.Clock.Advance(CpuTimeout);

        var drc = h.Registry[cpu];
        drc.IsUnplugPending.Should().BeTrue();
        drc.UnplugDeadline.Should().BeNull();
        drc.UnplugTimeRemaining.Should().Be(TimeSpan.Zero, "the time is up; the request waits for a late release or a retry");
        h.Registry.GetPendingUnplugs().Should().ContainSingle().Which.TimedOut.Should().BeTrue();
    }

    [Fact]
    public void LateRelease_KeepPending_CompletesAndNotifies()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);
        h.Clock.Advance(CpuTimeout + TimeSpan.FromSeconds(20));

        h.GuestRelease(cpu);

        h.Completed.Should().ContainSingle().Which.Outcome.Should().Be(UnplugOutcome.Completed);
        h.Registry[cpu].Device.Should().BeNull();
    }

    [Fact]
    public void Timeout_ClearRequest_IsTerminalAndClearsTheFlag()
    {
        using var h = new UnplugHarness(new DrcOptions { TimeoutPolicy = UnplugTimeoutPolicy.ClearRequest });
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);

        h.Clock.Advance(CpuTimeout);

        var timedOut = h.TimedOut.Should().ContainSingle().Subject;
        timedOut.IsTerminal.Should().BeTrue();
        h.Registry[cpu].IsUnplugPending.Should().BeFalse();
        h.Registry.GetPendingUnplugs().Should().BeEmpty();
    }

    [Fact]
    public void LateRelease_ClearRequest_LeavesTheDeviceAttached()
    {
        using var h = new UnplugHarness(new DrcOptions { TimeoutPolicy = UnplugTimeoutPolicy.ClearRequest });
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);
        h.Clock.Advance(CpuTimeout);

        h.GuestRelease(cpu);

        var drc = h.Registry[cpu];
        drc.Device.Should().NotBeNull();
        drc.State.Should().Be(DrcState.LogicalUnusable);
        h.Completed.Should().BeEmpty();
        h.Registry.AssertInvariants();
    }

    [Fact]
    public void RequestUnplug_AfterClearRequestTimeout_StartsANewRequest()
    {
        using var h = new UnplugHarness(new DrcOptions { TimeoutPolicy = UnplugTimeoutPolicy.ClearRequest });
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);
        h.Clock.Advance(CpuTimeout);
        long oldId = h.TimedOut.Single().RequestId;

        var again = h.Registry.RequestUnplug(cpu);

        again.Status.Should().Be(UnplugRequestStatus.Requested);
        h.Registry.GetPendingUnplugs().Single().RequestId.Should().NotBe(oldId);
    }

    [Theory]
    [InlineData(UnplugTimeoutPolicy.KeepPending)]
    [InlineData(UnplugTimeoutPolicy.ClearRequest)]
    public void Timeout_EitherPolicy_LogsWarningWithEventId7(UnplugTimeoutPolicy policy)
    {
        using var h = new UnplugHarness(new DrcOptions { TimeoutPolicy = policy });
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);

        h.Clock.Advance(CpuTimeout);

        var record = h.Logger.Collector.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 7).Subject;
        record.Level.Should().Be(LogLevel.Warning);
        record.Message.Should().Contain(cpu.ToString()).And.Contain("CPU 1").And.Contain(policy.ToString());
    }

    [Fact]
    public void Timeout_OneTickBeforeDeadline_LogsNoWarning()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);

        h.Clock.Advance(CpuTimeout - TimeSpan.FromTicks(1));

        h.Logger.Collector.GetSnapshot().Should().NotContain(r => r.Id.Id == 7);
    }

    [Fact]
    public void Retry_AfterKeepPendingTimeout_TimesOutAgainAfterAFullTimeout()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);
        h.Clock.Advance(CpuTimeout + TimeSpan.FromSeconds(5));
        h.Registry.RequestUnplug(cpu);

        h.Clock.Advance(CpuTimeout - TimeSpan.FromTicks(1));
        int before = h.TimedOut.Count;
        h.Clock.Advance(TimeSpan.FromTicks(1));

        before.Should().Be(1);
        h.TimedOut.Should().HaveCount(2).And.OnlyContain(e => !e.IsTerminal);
    }

    [Fact]
    public void Retry_AfterKeepPendingTimeoutOfLmbWithOverride_RequeuesCountIndexedRemove()
    {
        using var h = new UnplugHarness();
        var first = h.HotPlugMemory(16, 4);
        h.Registry.RequestUnplug(first, TimeSpan.FromSeconds(30));
        h.Clock.Advance(TimeSpan.FromSeconds(30));

        var retry = h.Registry.RequestUnplug(first);

        retry.Status.Should().Be(UnplugRequestStatus.Retried);
        h.RemoveEvents().Should().HaveCount(2).And.OnlyContain(e => e.Identifier == HotplugIdentifier.DrcCountIndexed && e.Count == 4 && e.Index == first);
    }

    [Fact]
    public void Retry_WithoutOverrideAfterTimeoutOfOverriddenRequest_ReArmsWithTheRequestsTimeout()
    {
        using var h = new UnplugHarness();
        var first = h.HotPlugMemory(16, 4);
        h.Registry.RequestUnplug(first, TimeSpan.FromSeconds(30));
        h.Clock.Advance(TimeSpan.FromSeconds(30));

        var retry = h.Registry.RequestUnplug(first);
        h.Clock.Advance(TimeSpan.FromSeconds(30));

        retry.TimeRemaining.Should().Be(TimeSpan.FromSeconds(30));
        h.TimedOut.Should().HaveCount(2);
    }

    [Fact]
    public void Retry_WithOverrideAfterTimeout_UsesTheOverride()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);
        h.Clock.Advance(TimeSpan.FromSeconds(15));

        var retry = h.Registry.RequestUnplug(cpu, TimeSpan.FromSeconds(60));
        h.Clock.Advance(TimeSpan.FromSeconds(59));
        int before = h.TimedOut.Count;
        h.Clock.Advance(TimeSpan.FromSeconds(1));

        retry.TimeRemaining.Should().Be(TimeSpan.FromSeconds(60));
        before.Should().Be(1);
        h.TimedOut.Should().HaveCount(2);
    }
}
