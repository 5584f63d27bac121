using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>SPEC section 6: the timer is armed when needed, stopped by every end, and a stale callback changes nothing.</summary>
public sealed class UnplugTimerTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    [Fact]
    public void RequestUnplug_TwoCpusWithStaggeredDeadlines_EachTimesOutAtItsOwnDeadline()
    {
        using var machine = new Machine();
        var cpu1 = machine.HotAdd(DrcType.Cpu, 1);
        var cpu2 = machine.HotAdd(DrcType.Cpu, 2);
        machine.Registry.RequestUnplug(cpu1);
        machine.Clock.Advance(TimeSpan.FromSeconds(5));
        machine.Registry.RequestUnplug(cpu2);

        machine.Clock.Advance(TimeSpan.FromSeconds(10));
        var first = machine.Notifications.TimedOut.Select(e => e.Index).ToList();
        machine.Clock.Advance(TimeSpan.FromSeconds(5));

        first.Should().Equal(cpu1);
        machine.Notifications.TimedOut.Select(e => e.Index).Should().Equal(cpu1, cpu2);
    }

    [Fact]
    public void RequestUnplug_ThreeCpusWithTheSameDeadline_AllTimeOutTogether()
    {
        using var machine = new Machine();
        var cpus = new[] { machine.HotAdd(DrcType.Cpu, 1), machine.HotAdd(DrcType.Cpu, 2), machine.HotAdd(DrcType.Cpu, 3) };
        foreach (var cpu in cpus)
        {
            machine.Registry.RequestUnplug(cpu);
        }

        machine.Clock.Advance(TimeSpan.FromSeconds(15));

        machine.Notifications.TimedOut.Select(e => e.Index).Should().BeEquivalentTo(cpus);
    }

    [Fact]
    public void RequestUnplug_ManyLmbsWithTheSameDeadline_TimeOutInTheOrderTheyWereRequested()
    {
        // A binary heap alone gives equal keys back in no particular order; the request id breaks the tie.
        using var machine = new Machine();
        var order = Enumerable.Range(0, 64).Select(i => (uint)((i * 37) % 64)).ToArray();
        var lmbs = order.Select(id => machine.HotAdd(DrcType.Lmb, id)).ToArray();
        foreach (var lmb in lmbs)
        {
            machine.Registry.RequestUnplug(lmb, TimeSpan.FromSeconds(30));
        }

        machine.Clock.Advance(TimeSpan.FromSeconds(30));

        machine.Notifications.TimedOut.Select(e => e.Index).Should().Equal(lmbs);
        machine.Notifications.TimedOut.Select(e => e.RequestId).Should().BeInAscendingOrder();
    }

    [Fact]
    public void MassTimeout_ProcessedInBatches_NotificationsGoOutBetweenThem()
    {
        // 3,000 timeouts at one instant are not all processed in one lock hold: the first notification is raised
        // while most requests are still pending, and every one has timed out once the clock's advance returns.
        using var machine = new Machine(new DrcOptions { TimeoutPolicy = UnplugTimeoutPolicy.ClearRequest });
        const int Count = 3000;
        var lmbs = Enumerable.Range(0, Count).Select(id => machine.HotAdd(DrcType.Lmb, (uint)id)).ToArray();
        foreach (var lmb in lmbs)
        {
            machine.Registry.RequestUnplug(lmb, TimeSpan.FromSeconds(30));
        }

        var pendingSeenByHandler = new List<int>();
        machine.Registry.UnplugTimedOut += (_, _) => pendingSeenByHandler.Add(machine.Registry.GetPendingUnplugs().Count);

        machine.Clock.Advance(TimeSpan.FromSeconds(30));

        pendingSeenByHandler.Should().HaveCount(Count);
        pendingSeenByHandler[0].Should().Be(Count - UnplugCoordinator.MaxTimeoutsPerLockHold);
        pendingSeenByHandler[^1].Should().Be(0);
        machine.Notifications.TimedOut.Select(e => e.Index).Should().Equal(lmbs);
        machine.Registry.GetPendingUnplugs().Should().BeEmpty();
        machine.Registry.AssertInvariants();
    }

    [Fact]
    public void RequestUnplug_BeforeFirstTimeoutIsNeeded_CreatesNoTimer()
    {
        // A PHB has no default timeout: its request needs no timer, and the registry creates none.
        using var machine = new Machine();
        var phb = machine.HotAdd(DrcType.Phb, 1);

        machine.Registry.RequestUnplug(phb);

        machine.Registry.HasUnplugTimer.Should().BeFalse();
    }

    [Fact]
    public void CancelThenRequestAgain_OldDeadline_DoesNotFireTheNewRequestEarly()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);
        machine.Clock.Advance(TimeSpan.FromSeconds(5));
        machine.Registry.CancelUnplug(cpu);
        machine.Clock.Advance(TimeSpan.FromSeconds(5));
        machine.Registry.RequestUnplug(cpu);

        machine.Clock.Advance(TimeSpan.FromSeconds(15) - Tick);
        int early = machine.Notifications.TimedOut.Count;
        machine.Clock.Advance(Tick);

        early.Should().Be(0);
        machine.Notifications.TimedOut.Should().ContainSingle().Which.RequestId.Should().Be(machine.Registry.GetPendingUnplugs().Single().RequestId);
    }

    [Fact]
    public void RejectThenRequestAgain_OldDeadline_DoesNotFireTheNewRequestEarly()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);
        machine.Clock.Advance(TimeSpan.FromSeconds(14));
        machine.Unisolate(cpu);
        machine.Registry.RequestUnplug(cpu);

        machine.Clock.Advance(TimeSpan.FromSeconds(15) - Tick);
        int early = machine.Notifications.TimedOut.Count;
        machine.Clock.Advance(Tick);

        early.Should().Be(0);
        machine.Notifications.TimedOut.Should().ContainSingle();
    }

    [Fact]
    public void RequestUnplug_LongerRequestFirstThenShorterOverride_ShorterFiresFirst()
    {
        using var machine = new Machine();
        var cpu1 = machine.HotAdd(DrcType.Cpu, 1);
        var cpu2 = machine.HotAdd(DrcType.Cpu, 2);
        machine.Registry.RequestUnplug(cpu1, TimeSpan.FromSeconds(60));
        machine.Registry.RequestUnplug(cpu2, TimeSpan.FromSeconds(2));

        machine.Clock.Advance(TimeSpan.FromSeconds(2));
        var afterTwo = machine.Notifications.TimedOut.Select(e => e.Index).ToList();
        machine.Clock.Advance(TimeSpan.FromSeconds(58));

        afterTwo.Should().Equal(cpu2);
        machine.Notifications.TimedOut.Select(e => e.Index).Should().Equal(cpu2, cpu1);
    }

    [Fact]
    public void Release_BeforeDeadline_NoTimeoutFiresLater()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu);
        machine.Clock.Advance(TimeSpan.FromSeconds(3));

        machine.GuestRelease(cpu);
        machine.Clock.Advance(TimeSpan.FromMinutes(5));

        machine.Notifications.TimedOut.Should().BeEmpty();
        machine.Notifications.Completed.Should().ContainSingle();
    }

    [Fact]
    public void TimerCallback_AfterManyEndedRequests_StillFiresForTheLiveOne()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        for (int i = 0; i < 50; i++)
        {
            machine.Registry.RequestUnplug(cpu);
            machine.Registry.CancelUnplug(cpu);
        }

        machine.Registry.RequestUnplug(cpu);
        machine.Clock.Advance(TimeSpan.FromSeconds(15));

        machine.Notifications.TimedOut.Should().ContainSingle();
        machine.Notifications.Cancelled.Should().HaveCount(50);
    }
}
