namespace Spapr.Drc.Tests.Unplug;

/// <summary>SPEC section 6: the timer is armed when needed, stopped by every end, and a stale callback changes nothing.</summary>
public sealed class UnplugTimerTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    [Fact]
    public void RequestUnplug_TwoCpusWithStaggeredDeadlines_EachTimesOutAtItsOwnDeadline()
    {
        using var h = new UnplugHarness();
        var cpu1 = h.HotPlug(DrcType.Cpu, 1);
        var cpu2 = h.HotPlug(DrcType.Cpu, 2);
        h.Registry.RequestUnplug(cpu1);
        h.Clock.Advance(TimeSpan.FromSeconds(5));
        h.Registry.RequestUnplug(cpu2);

        h.Clock.Advance(TimeSpan.FromSeconds(10));
        var first = h.TimedOut.Select(e => e.Index).ToList();
        h.Clock.Advance(TimeSpan.FromSeconds(5));

        first.Should().Equal(cpu1);
        h.TimedOut.Select(e => e.Index).Should().Equal(cpu1, cpu2);
    }

    [Fact]
    public void RequestUnplug_ThreeCpusWithTheSameDeadline_AllTimeOutTogether()
    {
        using var h = new UnplugHarness();
        var cpus = new[] { h.HotPlug(DrcType.Cpu, 1), h.HotPlug(DrcType.Cpu, 2), h.HotPlug(DrcType.Cpu, 3) };
        foreach (var cpu in cpus)
        {
            h.Registry.RequestUnplug(cpu);
        }

        h.Clock.Advance(TimeSpan.FromSeconds(15));

        h.TimedOut.Select(e => e.Index).Should().BeEquivalentTo(cpus);
    }

    [Fact]
    public void RequestUnplug_ManyLmbsWithTheSameDeadline_TimeOutInTheOrderTheyWereRequested()
    {
        // A binary heap alone gives equal keys back in no particular order; the request id breaks the tie.
        using var h = new UnplugHarness();
        var order = Enumerable.Range(0, 64).Select(i => (uint)((i * 37) % 64)).ToArray();
        var lmbs = order.Select(id => h.HotPlug(DrcType.Lmb, id)).ToArray();
        foreach (var lmb in lmbs)
        {
            h.Registry.RequestUnplug(lmb, TimeSpan.FromSeconds(30));
        }

        h.Clock.Advance(TimeSpan.FromSeconds(30));

        h.TimedOut.Select(e => e.Index).Should().Equal(lmbs);
        h.TimedOut.Select(e => e.RequestId).Should().BeInAscendingOrder();
    }

    [Fact]
    public void MassTimeout_ProcessedInBatches_NotificationsGoOutBetweenThem()
    {
        // 3,000 timeouts at one instant are not all processed in one lock hold: the first notification is raised
        // while most requests are still pending, and every one has timed out once the clock's advance returns.
        using var h = new UnplugHarness(new DrcOptions { TimeoutPolicy = UnplugTimeoutPolicy.ClearRequest });
        const int Count = 3000;
        var lmbs = Enumerable.Range(0, Count).Select(id => h.HotPlug(DrcType.Lmb, (uint)id)).ToArray();
        foreach (var lmb in lmbs)
        {
            h.Registry.RequestUnplug(lmb, TimeSpan.FromSeconds(30));
        }

        var pendingSeenByHandler = new List<int>();
        h.Registry.UnplugTimedOut += (_, _) => pendingSeenByHandler.Add(h.Registry.GetPendingUnplugs().Count);

        h.Clock.Advance(TimeSpan.FromSeconds(30));

        pendingSeenByHandler.Should().HaveCount(Count);
        pendingSeenByHandler[0].Should().Be(Count - UnplugCoordinator.MaxTimeoutsPerLockHold);
        pendingSeenByHandler[^1].Should().Be(0);
        h.TimedOut.Select(e => e.Index).Should().Equal(lmbs);
        h.Registry.GetPendingUnplugs().Should().BeEmpty();
        h.Registry.AssertInvariants();
    }

    [Fact]
    public void RequestUnplug_BeforeFirstTimeoutIsNeeded_CreatesNoTimer()
    {
        using var h = new UnplugHarness();
        var lmb = h.HotPlugMemory(16, 2);

        h.Registry.RequestUnplug(lmb);

        h.Registry.HasUnplugTimer.Should().BeFalse();
    }

    [Fact]
    public void CancelThenRequestAgain_OldDeadline_DoesNotFireTheNewRequestEarly()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);
        h.Clock.Advance(TimeSpan.FromSeconds(5));
        h.Registry.CancelUnplug(cpu);
        h.Clock.Advance(TimeSpan.FromSeconds(5));
        h.Registry.RequestUnplug(cpu);

        h.Clock.Advance(TimeSpan.FromSeconds(15) - Tick);
        int early = h.TimedOut.Count;
        h.Clock.Advance(Tick);

        early.Should().Be(0);
        h.TimedOut.Should().ContainSingle().Which.RequestId.Should().Be(h.Registry.GetPendingUnplugs().Single().RequestId);
    }

    [Fact]
    public void RejectThenRequestAgain_OldDeadline_DoesNotFireTheNewRequestEarly()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);
        h.Clock.Advance(TimeSpan.FromSeconds(14));
        h.Unisolate(cpu);
        h.Registry.RequestUnplug(cpu);

        h.Clock.Advance(TimeSpan.FromSeconds(15) - Tick);
        int early = h.TimedOut.Count;
        h.Clock.Advance(Tick);

        early.Should().Be(0);
        h.TimedOut.Should().ContainSingle();
    }

    [Fact]
    public void RequestUnplug_LongerRequestFirstThenShorterOverride_ShorterFiresFirst()
    {
        using var h = new UnplugHarness();
        var cpu1 = h.HotPlug(DrcType.Cpu, 1);
        var cpu2 = h.HotPlug(DrcType.Cpu, 2);
        h.Registry.RequestUnplug(cpu1, TimeSpan.FromSeconds(60));
        h.Registry.RequestUnplug(cpu2, TimeSpan.FromSeconds(2));

        h.Clock.Advance(TimeSpan.FromSeconds(2));
        var afterTwo = h.TimedOut.Select(e => e.Index).ToList();
        h.Clock.Advance(TimeSpan.FromSeconds(58));

        afterTwo.Should().Equal(cpu2);
        h.TimedOut.Select(e => e.Index).Should().Equal(cpu2, cpu1);
    }

    [Fact]
    public void Release_BeforeDeadline_NoTimeoutFiresLater()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        h.Registry.RequestUnplug(cpu);
        h.Clock.Advance(TimeSpan.FromSeconds(3));

        h.GuestRelease(cpu);
        h.Clock.Advance(TimeSpan.FromMinutes(5));

        h.TimedOut.Should().BeEmpty();
        h.Completed.Should().ContainSingle();
    }

    [Fact]
    public void TimerCallback_AfterManyEndedRequests_StillFiresForTheLiveOne()
    {
        using var h = new UnplugHarness();
        var cpu = h.HotPlug(DrcType.Cpu, 1);
        for (int i = 0; i < 50; i++)
        {
            h.Registry.RequestUnplug(cpu);
            h.Registry.CancelUnplug(cpu);
        }

        h.Registry.RequestUnplug(cpu);
        h.Clock.Advance(TimeSpan.FromSeconds(15));

        h.TimedOut.Should().ContainSingle();
        h.Cancelled.Should().HaveCount(50);
    }
}
