using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>
/// The sentences a request result carries. Accepted requests write theirs on first read (issue 8: formatting one per
/// request was a third of a request's allocations), so the text, equality and hashing are pinned here.
/// </summary>
public sealed class UnplugRequestResultTests
{
    private static readonly DrcIndex Cpu1 = DrcIndex.From(DrcType.Cpu, 1);

    [Fact]
    public void Message_RequestedWithTimeout_SaysTheTimeoutInSeconds()
    {
        using var machine = new Machine(new DrcOptions().SetUnplugTimeout(DrcType.Cpu, TimeSpan.FromMilliseconds(2500)));
        var cpu = machine.HotAdd(DrcType.Cpu, 1);

        machine.Registry.RequestUnplug(cpu).Message.Should().Be($"CPU 1 ({cpu}) unplug requested; waiting for the guest, timeout 2.5 seconds.");
    }

    [Fact]
    public void Message_RequestedWithoutTimeout_SaysSo()
    {
        using var machine = new Machine();
        var lmb = machine.HotAdd(DrcType.Lmb, 3);

        machine.Registry.RequestUnplug(lmb, Timeout.InfiniteTimeSpan).Message.Should().Be($"LMB 3 ({lmb}) unplug requested; waiting for the guest (no timeout).");
    }

    [Fact]
    public void Message_DeviceTheGuestNeverTook_SaysItWasReleasedAtOnce()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1, acquire: false);

        var result = machine.Registry.RequestUnplug(cpu);

        result.Status.Should().Be(UnplugRequestStatus.CompletedImmediately);
        result.Message.Should().Be($"CPU 1 ({cpu}) was released at once: the guest never took the device.");
        result.ToString().Should().Be(result.Message);
    }

    [Fact]
    public void Message_Retry_SaysTheRequestWentAgain()
    {
        using var machine = new Machine(new DrcOptions().SetUnplugTimeout(DrcType.Cpu, Timeout.InfiniteTimeSpan));
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);

        machine.Registry.RequestUnplug(cpu).Message.Should().Be($"CPU 1 ({cpu}) unplug request sent to the guest again.");
    }

    [Fact]
    public void Equality_DeferredAndWrittenOutMessages_CompareByTheirText()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        var result = machine.Registry.RequestUnplug(cpu);
        var same = new UnplugRequestResult(result.Status, result.Index, result.RequestId, result.TimeRemaining, result.Message);
        var other = new UnplugRequestResult(result.Status, result.Index, result.RequestId, result.TimeRemaining, "something else");
        var otherRequest = new UnplugRequestResult(result.Status, result.Index, result.RequestId + 1, result.TimeRemaining);

        result.Should().Be(same);
        (result == same).Should().BeTrue();
        result.GetHashCode().Should().Be(same.GetHashCode());
        result.Should().NotBe(other);
        (result != otherRequest).Should().BeTrue();
        (result.Status, result.Index, result.TimeRemaining).Should().Be((UnplugRequestStatus.Requested, cpu, DrcOptions.DefaultCpuUnplugTimeout));
    }

    [Fact]
    public void RequestId_NewRetriedAndAlreadyPending_IsTheDevicesOneRequest()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        var ids = new List<long>();
        machine.Registry.UnplugTimedOut += (_, e) => ids.Add(e.RequestId);

        var first = machine.Registry.RequestUnplug(cpu);
        var again = machine.Registry.RequestUnplug(cpu);
        machine.Clock.Advance(DrcOptions.DefaultCpuUnplugTimeout);
        var retried = machine.Registry.RequestUnplug(cpu);

        first.RequestId.Should().BePositive();
        (again.Status, again.RequestId).Should().Be((UnplugRequestStatus.AlreadyPending, first.RequestId));
        (retried.Status, retried.RequestId).Should().Be((UnplugRequestStatus.Retried, first.RequestId));
        ids.Should().Equal(first.RequestId);
        machine.Registry.TryGetDevice(cpu, out var device).Should().BeTrue();
        device!.PendingRequestId.Should().Be(first.RequestId);
    }

    [Fact]
    public void RequestId_Refusals_AreZero()
    {
        using var machine = new Machine();
        machine.Registry.CreateConnector(DrcType.Cpu, 2);

        machine.Registry.RequestUnplug(Cpu1).RequestId.Should().Be(0);
        machine.Registry.RequestUnplug(DrcIndex.From(DrcType.Cpu, 2)).RequestId.Should().Be(0);
    }

    [Fact]
    public void Message_DefaultValue_IsStillASentence()
    {
        default(UnplugRequestResult).Message.Should().NotBeNullOrEmpty().And.Contain(nameof(UnplugRequestStatus.Requested));
    }
}
