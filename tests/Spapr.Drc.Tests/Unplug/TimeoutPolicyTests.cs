using Microsoft.Extensions.Logging;
using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>SPEC section 6: what a timeout does under KeepPending (default) and ClearRequest (the 2021 behaviour).</summary>
public sealed class TimeoutPolicyTests
{
    private static readonly TimeSpan CpuTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public void TimeoutPolicy_Default_IsKeepPending()
    {
        using var machine = new Machine();

        machine.Registry.TimeoutPolicy.Should().Be(UnplugTimeoutPolicy.KeepPending);
    }

    [Fact]
    public void Timeout_KeepPending_LeavesTheRequestPendingWithoutDeadline()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);

        machine.Clock.Advance(CpuTimeout);

        var drc = machine.Registry[cpu];
        drc.IsUnplugPending.Should().BeTrue();
        drc.UnplugDeadline.Should().BeNull();
        drc.UnplugTimeRemaining.Should().Be(TimeSpan.Zero, "the time is up; the request waits for a late release or a retry");
        machine.Registry.GetPendingUnplugs().Should().ContainSingle().Which.TimedOut.Should().BeTrue();
    }

    [Fact]
    public void LateRelease_KeepPending_CompletesAndNotifies()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);
        machine.Clock.Advance(CpuTimeout + TimeSpan.FromSeconds(20));

        machine.GuestRelease(cpu);

        machine.Notifications.Completed.Should().ContainSingle().Which.Outcome.Should().Be(UnplugOutcome.Completed);
        machine.Registry[cpu].Device.Should().BeNull();
    }

    [Fact]
    public void Timeout_ClearRequest_IsTerminalAndClearsTheFlag()
    {
        using var machine = new Machine(new DrcOptions { TimeoutPolicy = UnplugTimeoutPolicy.ClearRequest });
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);

        machine.Clock.Advance(CpuTimeout);

        var timedOut = machine.Notifications.TimedOut.Should().ContainSingle().Subject;
        timedOut.IsTerminal.Should().BeTrue();
        machine.Registry[cpu].IsUnplugPending.Should().BeFalse();
        machine.Registry.GetPendingUnplugs().Should().BeEmpty();
    }

    [Fact]
    public void LateRelease_ClearRequest_LeavesTheDeviceAttached()
    {
        using var machine = new Machine(new DrcOptions { TimeoutPolicy = UnplugTimeoutPolicy.ClearRequest });
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);
        machine.Clock.Advance(CpuTimeout);

        machine.GuestRelease(cpu);

        var drc = machine.Registry[cpu];
        drc.Device.Should().NotBeNull();
        drc.State.Should().Be(DrcState.LogicalUnusable);
        machine.Notifications.Completed.Should().BeEmpty();
        machine.Registry.AssertInvariants();
    }

    [Fact]
    public void RequestUnplug_AfterClearRequestTimeout_StartsANewRequest()
    {
        using var machine = new Machine(new DrcOptions { TimeoutPolicy = UnplugTimeoutPolicy.ClearRequest });
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);
        machine.Clock.Advance(CpuTimeout);
        long oldId = machine.Notifications.TimedOut.Single().RequestId;

        var again = machine.Registry.RequestUnplug(cpu);

        again.Status.Should().Be(UnplugRequestStatus.Requested);
        machine.Registry.GetPendingUnplugs().Single().RequestId.Should().NotBe(oldId);
    }

    [Theory]
    [InlineData(UnplugTimeoutPolicy.KeepPending)]
    [InlineData(UnplugTimeoutPolicy.ClearRequest)]
    public void Timeout_EitherPolicy_LogsWarningWithEventId7(UnplugTimeoutPolicy policy)
    {
        using var machine = new Machine(new DrcOptions { TimeoutPolicy = policy }, recordLogs: true);
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);

        machine.Clock.Advance(CpuTimeout);

        var record = machine.Logger.Collector.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 7).Subject;
        record.Level.Should().Be(LogLevel.Warning);
        record.Message.Should().Contain(cpu.ToString()).And.Contain("CPU 1").And.Contain(policy.ToString());
    }

    [Fact]
    public void Timeout_OneTickBeforeDeadline_LogsNoWarning()
    {
        using var machine = new Machine(recordLogs: true);
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);

        machine.Clock.Advance(CpuTimeout - TimeSpan.FromTicks(1));

        machine.Logger.Collector.GetSnapshot().Should().NotContain(r => r.Id.Id == 7);
    }

    [Fact]
    public void Retry_AfterKeepPendingTimeout_TimesOutAgainAfterAFullTimeout()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);
        machine.Clock.Advance(CpuTimeout + TimeSpan.FromSeconds(5));
        machine.Registry.RequestUnplug(cpu);

        machine.Clock.Advance(CpuTimeout - TimeSpan.FromTicks(1));
        int before = machine.Notifications.TimedOut.Count;
        machine.Clock.Advance(TimeSpan.FromTicks(1));

        before.Should().Be(1);
        machine.Notifications.TimedOut.Should().HaveCount(2).And.OnlyContain(e => !e.IsTerminal);
    }

    [Fact]
    public void Retry_AfterKeepPendingTimeoutOfLmbWithOverride_RequeuesCountIndexedRemove()
    {
        using var machine = new Machine();
        var first = machine.HotAddMemory(16, 4);
        machine.Registry.RequestUnplug(first, TimeSpan.FromSeconds(30));
        machine.Clock.Advance(TimeSpan.FromSeconds(30));

        var retry = machine.Registry.RequestUnplug(first);

        retry.Status.Should().Be(UnplugRequestStatus.Retried);
        machine.RemoveEvents().Should().HaveCount(2).And.OnlyContain(e => e.Identifier == HotplugIdentifier.DrcCountIndexed && e.Count == 4 && e.Index == first);
    }

    [Fact]
    public void Retry_WithoutOverrideAfterTimeoutOfOverriddenRequest_ReArmsWithTheRequestsTimeout()
    {
        using var machine = new Machine();
        var first = machine.HotAddMemory(16, 4);
        machine.Registry.RequestUnplug(first, TimeSpan.FromSeconds(30));
        machine.Clock.Advance(TimeSpan.FromSeconds(30));

        var retry = machine.Registry.RequestUnplug(first);
        machine.Clock.Advance(TimeSpan.FromSeconds(30));

        retry.TimeRemaining.Should().Be(TimeSpan.FromSeconds(30));
        machine.Notifications.TimedOut.Should().HaveCount(2);
    }

    [Fact]
    public void Retry_WithOverrideAfterTimeout_UsesTheOverride()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);
        machine.Clock.Advance(TimeSpan.FromSeconds(15));

        var retry = machine.Registry.RequestUnplug(cpu, TimeSpan.FromSeconds(60));
        machine.Clock.Advance(TimeSpan.FromSeconds(59));
        int before = machine.Notifications.TimedOut.Count;
        machine.Clock.Advance(TimeSpan.FromSeconds(1));

        retry.TimeRemaining.Should().Be(TimeSpan.FromSeconds(60));
        before.Should().Be(1);
        machine.Notifications.TimedOut.Should().HaveCount(2);
    }
}
