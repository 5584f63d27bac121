using System.Buffers.Binary;
using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using Spapr.Drc.Stress.Infrastructure;
using Xunit.Abstractions;

namespace Spapr.Drc.Stress.Faults;

/// <summary>
/// Issue 9, part 4: hostile notification handlers, disposal under firing timers, and clocks that jump. Each leaves
/// the registry consistent (SPEC section 6: every request ends exactly once) and the clock usable.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class FaultTests(ITestOutputHelper output)
{
    private static readonly DrcIndex Cpu1 = DrcIndex.From(DrcType.Cpu, 1);
    private static readonly DrcIndex Cpu2 = DrcIndex.From(DrcType.Cpu, 2);
    private static readonly DrcIndex Cpu3 = DrcIndex.From(DrcType.Cpu, 3);

    [Fact]
    public void Notifications_EveryHandlerThrows_LoggedAndRegistryAndClockUnaffected()
    {
        var time = new FakeTimeProvider();
        var logger = new CountingLogger();
        using var registry = TestMachine.Create(null, time, logger);
        TestMachine.Populate(registry);
        long thrown = 0;
        registry.UnplugCompleted += (_, _) => Throw();
        registry.UnplugTimedOut += (_, _) => Throw();
        registry.UnplugRejectedByGuest += (_, _) => Throw();
        registry.UnplugCancelled += (_, _) => Throw();
        registry.HotplugEventQueued += (_, _) => Throw();
        var ledger = new NotificationLedger(registry);
        var guest = new GuestSimulator(registry, new Random(1), registry.Connectors.Select(c => c.Index).ToArray());

        registry.RequestUnplug(Cpu1).Status.Should().Be(UnplugRequestStatus.Requested);
        time.Advance(DrcOptions.DefaultCpuUnplugTimeout);
        guest.Release(Cpu1);
        registry.RequestUnplug(Cpu2);
        registry.CancelUnplug(Cpu2);
        registry.RequestUnplug(Cpu3);
        registry.Rtas.SetIndicator(9001, Cpu3.Value, 1);
        TestMachine.Attach(registry, Cpu1, PlugMode.Hot);

        // Every notification reached the second subscriber, every throw was logged (event 10), nothing else broke.
        ledger.CountOf(UnplugOutcome.TimedOut).Should().Be(1);
        ledger.CountOf(UnplugOutcome.Completed).Should().Be(1);
        ledger.CountOf(UnplugOutcome.Cancelled).Should().Be(1);
        ledger.CountOf(UnplugOutcome.RejectedByGuest).Should().Be(1);
        logger.CountOf(10).Should().Be(Interlocked.Read(ref thrown)).And.Be(ledger.Total + ledger.HotplugEvents);
        ledger.Violations.Should().BeEmpty();
        registry.AssertInvariants();

        // The fake clock is not wedged: a new request still times out on time.
        registry.RequestUnplug(Cpu2).Status.Should().Be(UnplugRequestStatus.Requested);
        time.Advance(DrcOptions.DefaultCpuUnplugTimeout - TimeSpan.FromMilliseconds(1));
        ledger.CountOf(UnplugOutcome.TimedOut).Should().Be(1);
        time.Advance(TimeSpan.FromMilliseconds(1));
        ledger.CountOf(UnplugOutcome.TimedOut).Should().Be(2);
        registry.AssertInvariants();

        void Throw()
        {
            Interlocked.Increment(ref thrown);
            throw new InvalidOperationException("handler failure");
        }
    }

    [Fact]
    public void Notifications_HandlerBlocksOnTimerThread_OtherCallersProceedAndNothingIsLost()
    {
        var logger = new CountingLogger();
        var options = new DrcOptions().SetUnplugTimeout(DrcType.Cpu, TimeSpan.FromMilliseconds(5));
        using var registry = TestMachine.Create(options, TimeProvider.System, logger);
        TestMachine.Populate(registry);
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var seen = new ConcurrentQueue<string>();
        registry.UnplugTimedOut += (_, e) =>
        {
            seen.Enqueue($"timed-out {e.Index}");
            entered.Set();
            release.Wait(TimeSpan.FromSeconds(10));
        };
        registry.UnplugCancelled += (_, e) => seen.Enqueue($"cancelled {e.Index}");
        registry.UnplugCompleted += (_, e) => seen.Enqueue($"completed {e.Index}");

        registry.RequestUnplug(Cpu1);
        entered.Wait(TimeSpan.FromSeconds(30)).Should().BeTrue("the 5 ms timeout fires on a thread-pool thread");

        // While that handler blocks, the host and the guest are not held up.
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        registry.RequestUnplug(Cpu2, Timeout.InfiniteTimeSpan).Status.Should().Be(UnplugRequestStatus.Requested);
        registry.CancelUnplug(Cpu2).Should().BeTrue();
        registry.RequestUnplug(Cpu3, Timeout.InfiniteTimeSpan);
        registry.Rtas.SetIndicator(9001, Cpu3.Value, 0).Should().Be(RtasStatus.Success);
        registry.Rtas.SetIndicator(9003, Cpu3.Value, 0).Should().Be(RtasStatus.Success);
        stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2));
        seen.Should().Equal(new List<string> { "timed-out " + Cpu1 }, "later notifications wait for the blocked handler, in order");

        release.Set();
        SpinWait.SpinUntil(() => seen.Count == 3, TimeSpan.FromSeconds(10)).Should().BeTrue();
        seen.Should().Equal("timed-out " + Cpu1, "cancelled " + Cpu2, "completed " + Cpu3);
        registry.AssertInvariants();
        logger.Errors.Should().Be(0);
    }

    [Theory]
    [InlineData(UnplugTimeoutPolicy.KeepPending)]
    [InlineData(UnplugTimeoutPolicy.ClearRequest)]
    public void Notifications_HandlerReentersRegistry_OtherSubscribersSeeNotificationsInOrder(UnplugTimeoutPolicy policy)
    {
        // The first subscriber cancels a request from inside its timed-out notification; the ledger (second subscriber)
        // must still see the timeout before the cancellation: nothing after a terminal outcome.
        var time = new FakeTimeProvider();
        using var registry = TestMachine.Create(new DrcOptions { TimeoutPolicy = policy }, time, new CountingLogger());
        TestMachine.Populate(registry);
        int reentered = 0;
        registry.UnplugTimedOut += (_, e) =>
        {
            reentered++;
            registry.CancelUnplug(e.Index);
            registry.RequestUnplug(e.Index == Cpu1 ? Cpu2 : Cpu1);
        };
        var ledger = new NotificationLedger(registry);

        registry.RequestUnplug(Cpu1);
        time.Advance(DrcOptions.DefaultCpuUnplugTimeout);
        time.Advance(DrcOptions.DefaultCpuUnplugTimeout);

        reentered.Should().Be(2);
        ledger.Violations.Should().BeEmpty();
        ledger.TerminalCounts().Values.Should().OnlyContain(n => n <= 1);
        registry.AssertInvariants();
        registry.GetPendingUnplugs().Should().ContainSingle().Which.Index.Should().Be(Cpu1);
    }

    [Fact]
    public void Notifications_HandlersReenterFromEveryNotification_ChainCompletesConsistently()
    {
        // Handlers act as an emulator might: the guest answers every Add/Remove from inside HotplugEventQueued, the host
        // retries timed-out requests, and each completion triggers the next unplug.
        var time = new FakeTimeProvider();
        var options = new DrcOptions().SetUnplugTimeout(DrcType.Lmb, TimeSpan.FromSeconds(1));
        using var registry = TestMachine.Create(options, time, new CountingLogger());
        TestMachine.Populate(registry);
        var ledger = new NotificationLedger(registry);
        var guest = new GuestSimulator(registry, new Random(7), registry.Connectors.Select(c => c.Index).ToArray());
        var log = new byte[DrcRtas.EventLogSize];
        int retries = 0;
        registry.HotplugEventQueued += (_, e) =>
        {
            if (registry.Rtas.CheckException(uint.MaxValue, log, out var ev) == RtasStatus.Success && ev!.Type != HotplugType.Cpu)
            {
                for (uint i = 0; i < ev.Count; i++)
                {
                    var index = new DrcIndex(ev.Index!.Value.Value + i);
                    if (ev.Action == HotplugAction.Add)
                    {
                        guest.Acquire(index);
                    }
                    else
                    {
                        guest.Release(index);
                    }
                }
            }
        };
        registry.UnplugTimedOut += (_, e) =>
        {
            if (retries++ < 3)
            {
                registry.RequestUnplug(e.Index);
            }
            else
            {
                guest.Release(e.Index);
            }
        };
        registry.UnplugCompleted += (_, e) =>
        {
            if (e.Index.Type == DrcType.Lmb && e.Index.Id < 20)
            {
                TestMachine.AttachMemory(registry, e.Index.Id + 4, 2, PlugMode.Cold);
                registry.RequestUnplug(DrcIndex.From(DrcType.Lmb, e.Index.Id + 4));
            }
        };

        // CPU events are left to the host loop below: the CPU unplug times out and is retried from the handler.
        registry.RequestUnplug(DrcIndex.From(DrcType.Lmb, 0));
        registry.RequestUnplug(Cpu1);
        for (int i = 0; i < 10; i++)
        {
            time.Advance(DrcOptions.DefaultCpuUnplugTimeout);
        }

        registry.AssertInvariants();
        ledger.Violations.Should().BeEmpty();
        retries.Should().Be(4);
        ledger.CountOf(UnplugOutcome.Completed).Should().BeGreaterThanOrEqualTo(6, "the LMB chain runs from LMB 0 to LMB 20 and CPU 1 is finally released");
        ledger.TerminalCounts().Values.Should().OnlyContain(n => n == 1);
        registry.GetPendingUnplugs().Should().BeEmpty();
        output.WriteLine($"{ledger.Total} notifications, {ledger.HotplugEvents} hotplug events");
    }

    [Fact]
    public void Dispose_WhileTimersFire_NothingEscapesAndNothingFiresAfterwards()
    {
        long escapedBefore = EscapedExceptions.Count;
        var random = new Random(StressMode.Seed(4242));
        var rounds = StressMode.IsLong ? 500 : 30;
        long timeoutsBefore = 0;
        long timeoutsAfter = 0;
        for (int round = 0; round < rounds; round++)
        {
            var logger = new CountingLogger();
            var options = new DrcOptions { TimeoutPolicy = round % 2 == 0 ? UnplugTimeoutPolicy.KeepPending : UnplugTimeoutPolicy.ClearRequest }
                .SetUnplugTimeout(DrcType.Cpu, TimeSpan.FromMilliseconds(1))
                .SetUnplugTimeout(DrcType.Lmb, TimeSpan.FromMilliseconds(2))
                .SetUnplugTimeout(DrcType.Pci, TimeSpan.FromMilliseconds(3))
                .SetUnplugTimeout(DrcType.Phb, TimeSpan.FromMilliseconds(1));
            var registry = TestMachine.Create(options, TimeProvider.System, logger);
            TestMachine.Populate(registry);
            var indexes = registry.Connectors.Select(c => c.Index).ToArray();
            foreach (var index in indexes)
            {
                registry.RequestUnplug(index, TimeSpan.FromMilliseconds(random.Next(1, 4)));
            }

            using var stop = new ManualResetEventSlim();
            var guest = new Thread(() =>
            {
                var sim = new GuestSimulator(registry, new Random(round), indexes);
                while (!stop.IsSet)
                {
                    sim.Step();
                }
            });
            guest.Start();
            Thread.Sleep(random.Next(0, 4));
            registry.Dispose();
            long atDispose = logger.CountOf(7);
            Thread.Sleep(20);
            stop.Set();
            guest.Join();

            logger.CountOf(7).Should().Be(atDispose, "no timeout fires after Dispose returned");
            logger.Errors.Should().Be(0, string.Join(Environment.NewLine, logger.ErrorMessages));
            registry.AssertInvariants();
            registry.Invoking(r => r.RequestUnplug(indexes[0])).Should().Throw<ObjectDisposedException>();
            timeoutsBefore += atDispose;
            timeoutsAfter += logger.CountOf(7);
        }

        EscapedExceptions.Count.Should().Be(escapedBefore);
        output.WriteLine($"{rounds} registries disposed while timers fired; {timeoutsBefore} timeouts before disposal, {timeoutsAfter - timeoutsBefore} after");
    }

    [Fact]
    public void ClockJumpsForward_AdjustTime_TimeoutFiresOnceAndClockStaysUsable()
    {
        var time = new FakeTimeProvider();
        using var registry = TestMachine.Create(null, time, new CountingLogger());
        TestMachine.Populate(registry);
        var ledger = new NotificationLedger(registry);
        registry.RequestUnplug(Cpu1);

        time.AdjustTime(time.GetUtcNow() + TimeSpan.FromHours(1));
        registry[Cpu1].UnplugTimeRemaining.Should().Be(TimeSpan.Zero, "the deadline is absolute and has passed");
        registry.RequestUnplug(Cpu1).Status.Should().Be(UnplugRequestStatus.AlreadyPending);
        time.Advance(DrcOptions.DefaultCpuUnplugTimeout);
        ledger.CountOf(UnplugOutcome.TimedOut).Should().Be(1);
        time.Advance(DrcOptions.DefaultCpuUnplugTimeout);
        ledger.CountOf(UnplugOutcome.TimedOut).Should().Be(1);

        AssertClockUsable(registry, time, ledger);
    }

    [Fact]
    public void ClockJumpsBackward_AdjustTime_TimeoutWaitsForDeadlineAndFiresOnce()
    {
        var time = new FakeTimeProvider();
        using var registry = TestMachine.Create(null, time, new CountingLogger());
        TestMachine.Populate(registry);
        var ledger = new NotificationLedger(registry);
        registry.RequestUnplug(Cpu1);
        var deadline = registry[Cpu1].UnplugDeadline;

        time.AdjustTime(time.GetUtcNow() - TimeSpan.FromHours(1));
        registry[Cpu1].UnplugDeadline.Should().Be(deadline);
        time.Advance(DrcOptions.DefaultCpuUnplugTimeout);
        ledger.CountOf(UnplugOutcome.TimedOut).Should().Be(0, "the deadline is an hour away on the adjusted clock");
        time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromMilliseconds(1));
        ledger.CountOf(UnplugOutcome.TimedOut).Should().Be(0);
        time.Advance(TimeSpan.FromMilliseconds(1));
        ledger.CountOf(UnplugOutcome.TimedOut).Should().Be(1);

        AssertClockUsable(registry, time, ledger);
    }

    [Fact]
    public void ClockJumpsRandomly_ManyRequests_EveryRequestTimesOutExactlyOnce()
    {
        var random = new Random(StressMode.Seed(77));
        var time = new FakeTimeProvider();
        var options = new DrcOptions().SetUnplugTimeout(DrcType.Lmb, TimeSpan.FromSeconds(30)).SetUnplugTimeout(DrcType.Pci, TimeSpan.FromSeconds(5));
        using var registry = TestMachine.Create(options, time, new CountingLogger());
        TestMachine.Populate(registry);
        var ledger = new NotificationLedger(registry);
        foreach (var drc in registry.Connectors)
        {
            registry.RequestUnplug(drc.Index);
        }

        for (int i = 0; i < 200; i++)
        {
            if (random.Next(3) == 0)
            {
                time.AdjustTime(time.GetUtcNow() + TimeSpan.FromSeconds(random.Next(-60, 60)));
            }
            else
            {
                time.Advance(TimeSpan.FromMilliseconds(random.Next(1, 5000)));
            }

            registry.AssertInvariants();
        }

        // Whatever the jumps did, once the clock has passed every deadline each pending request timed out exactly once.
        time.Advance(TimeSpan.FromHours(2));
        registry.AssertInvariants();
        ledger.Violations.Should().BeEmpty();
        var pending = registry.GetPendingUnplugs().Where(p => registry.GetUnplugTimeout(p.Index.Type) != Timeout.InfiniteTimeSpan).ToList();
        pending.Should().NotBeEmpty().And.OnlyContain(p => p.TimedOut && p.Deadline == null);
        ledger.CountOf(UnplugOutcome.TimedOut).Should().Be(pending.Count);
        AssertClockUsable(registry, time, ledger);
    }

    [Fact]
    public void PausedClock_GuestPaused_TimeoutWaitsGuestTimeAndClockResumes()
    {
        var fake = new FakeTimeProvider();
        var time = new PausableTimeProvider(fake);
        using var registry = TestMachine.Create(null, time, new CountingLogger());
        TestMachine.Populate(registry);
        var ledger = new NotificationLedger(registry);
        registry.RequestUnplug(Cpu1);
        registry.RequestUnplug(Cpu2);
        fake.Advance(TimeSpan.FromSeconds(10));

        time.Pause();
        fake.Advance(TimeSpan.FromHours(1));
        ledger.CountOf(UnplugOutcome.TimedOut).Should().Be(0, "no guest time passed while paused");
        registry[Cpu1].UnplugTimeRemaining.Should().Be(TimeSpan.FromSeconds(5));
        registry.RequestUnplug(Cpu1).TimeRemaining.Should().Be(TimeSpan.FromSeconds(5));

        // RTAS still works while paused (a vCPU finishing its call), and host operations too.
        var guest = new GuestSimulator(registry, new Random(3), [Cpu2]);
        guest.Release(Cpu2);
        ledger.CountOf(UnplugOutcome.Completed).Should().Be(1);
        registry.AssertInvariants();

        time.Resume();
        fake.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(1));
        ledger.CountOf(UnplugOutcome.TimedOut).Should().Be(0);
        fake.Advance(TimeSpan.FromMilliseconds(1));
        ledger.CountOf(UnplugOutcome.TimedOut).Should().Be(1);
        ledger.Violations.Should().BeEmpty();
        registry.AssertInvariants();
    }

    [Fact]
    public void PausedClock_PauseResumeStorm_EveryTimeoutFiresOnceAfterEnoughGuestTime()
    {
        var random = new Random(StressMode.Seed(99));
        var fake = new FakeTimeProvider();
        var time = new PausableTimeProvider(fake);
        var options = new DrcOptions().SetUnplugTimeout(DrcType.Lmb, TimeSpan.FromSeconds(30)).SetUnplugTimeout(DrcType.Pci, TimeSpan.FromSeconds(5));
        using var registry = TestMachine.Create(options, time, new CountingLogger());
        TestMachine.Populate(registry);
        var ledger = new NotificationLedger(registry);
        foreach (var drc in registry.Connectors)
        {
            registry.RequestUnplug(drc.Index);
        }

        var guestTime = TimeSpan.Zero;
        for (int i = 0; i < 500; i++)
        {
            if (random.Next(2) == 0)
            {
                time.Pause();
            }
            else
            {
                time.Resume();
            }

            var step = TimeSpan.FromMilliseconds(random.Next(1, 500));
            if (!time.IsPaused)
            {
                guestTime += step;
            }

            fake.Advance(step);
            registry.AssertInvariants();
            if (guestTime < TimeSpan.FromSeconds(5))
            {
                // 5 s (PCI) is the shortest timeout of this machine.
                ledger.CountOf(UnplugOutcome.TimedOut).Should().Be(0, $"only {guestTime} of guest time passed");
            }
        }

        time.Resume();
        fake.Advance(TimeSpan.FromMinutes(1));
        var timed = registry.GetPendingUnplugs().Where(p => registry.GetUnplugTimeout(p.Index.Type) != Timeout.InfiniteTimeSpan).ToList();
        timed.Should().NotBeEmpty().And.OnlyContain(p => p.TimedOut && p.Deadline == null);
        ledger.CountOf(UnplugOutcome.TimedOut).Should().Be(timed.Count);
        ledger.Violations.Should().BeEmpty();
        output.WriteLine($"{guestTime} of guest time over {fake.GetUtcNow() - time.GetUtcNow()} paused");
    }

    private static void AssertClockUsable(DrcRegistry registry, FakeTimeProvider time, NotificationLedger ledger)
    {
        long before = ledger.CountOf(UnplugOutcome.TimedOut);
        registry.CancelUnplug(Cpu2);
        if (registry[Cpu2].Device is null)
        {
            TestMachine.Attach(registry, Cpu2, PlugMode.Cold);
        }

        registry.RequestUnplug(Cpu2).Status.Should().Be(UnplugRequestStatus.Requested);
        time.Advance(DrcOptions.DefaultCpuUnplugTimeout - TimeSpan.FromMilliseconds(1));
        ledger.CountOf(UnplugOutcome.TimedOut).Should().Be(before);
        time.Advance(TimeSpan.FromMilliseconds(1));
        ledger.CountOf(UnplugOutcome.TimedOut).Should().Be(before + 1);
        registry.AssertInvariants();
        ledger.Violations.Should().BeEmpty();
    }
}
