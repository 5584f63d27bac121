using Spapr.Drc.Stress.Infrastructure;
using Xunit.Abstractions;

namespace Spapr.Drc.Stress.Concurrency;

/// <summary>
/// Issue 9, part 1: host operations, guest RTAS sequences and thread-pool timer callbacks race on one registry on the
/// real clock with 1-20 ms unplug timeouts. Afterwards nothing is lost: every request ended exactly once or is still
/// pending with a live timer, notifications match the metrics, no exception escaped, and the invariants hold.
/// </summary>
public sealed class ConcurrencyTests(ITestOutputHelper output)
{
    private const int HostThreads = 2;
    private const int GuestThreads = 2;

    [Theory]
    [InlineData(UnplugTimeoutPolicy.KeepPending, false)]
    [InlineData(UnplugTimeoutPolicy.ClearRequest, false)]
    [InlineData(UnplugTimeoutPolicy.KeepPending, true)]
    public void RandomHostAndGuestOperations_RealClockShortTimeouts_NothingLost(UnplugTimeoutPolicy policy, bool pausing)
    {
        // CI mode: 3 x 7 s, about the 20 s budget of this part.
        var duration = StressMode.Duration(TimeSpan.FromSeconds(7));
        int seed = StressMode.Seed(policy == UnplugTimeoutPolicy.KeepPending ? 9001 : 9003) + (pausing ? 1 : 0);
        var pausable = pausing ? new PausableTimeProvider(TimeProvider.System) : null;
        long escapedBefore = EscapedExceptions.Count;
        long loadsBefore = Interlocked.Read(ref SnapshotCheck.Loads);
        var logger = new CountingLogger();
        var options = new DrcOptions { TimeoutPolicy = policy }
            .SetUnplugTimeout(DrcType.Cpu, TimeSpan.FromMilliseconds(5))
            .SetUnplugTimeout(DrcType.Lmb, TimeSpan.FromMilliseconds(20))
            .SetUnplugTimeout(DrcType.Pci, TimeSpan.FromMilliseconds(1))
            .SetUnplugTimeout(DrcType.Phb, Timeout.InfiniteTimeSpan);
        using var registry = TestMachine.Create(options, pausable ?? TimeProvider.System, logger);
        TestMachine.Populate(registry);
        using var metrics = new MetricsProbe(registry);
        var ledger = new NotificationLedger(registry);
        var indexes = registry.Connectors.Select(c => c.Index).ToArray();

        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var hosts = new HostOperator[HostThreads];
        var guests = new GuestSimulator[GuestThreads];
        long invariantChecks = 0;
        using var stop = new CancellationTokenSource(duration);
        var threads = new List<Thread>();
        for (int i = 0; i < HostThreads; i++)
        {
            var host = hosts[i] = new HostOperator(registry, new Random(seed + i), indexes, recreatesPciSlots: i == 0);
            threads.Add(new Thread(() => Loop(host.Step)));
        }

        for (int i = 0; i < GuestThreads; i++)
        {
            var guest = guests[i] = new GuestSimulator(registry, new Random(seed + 100 + i), indexes);
            threads.Add(new Thread(() => Loop(guest.Step)));
        }

        threads.Add(new Thread(() => Loop(() =>
        {
            registry.AssertInvariants();
            Interlocked.Increment(ref invariantChecks);
            Thread.Sleep(1);
        })));

        long pauses = 0;
        if (pausable is not null)
        {
            // The emulator stops and restarts the guest: unplug timers stand still while paused.
            var pauseRandom = new Random(seed + 200);
            threads.Add(new Thread(() => Loop(() =>
            {
                pausable.Pause();
                pauses++;
                Thread.Sleep(pauseRandom.Next(0, 3));
                pausable.Resume();
                Thread.Sleep(pauseRandom.Next(0, 5));
            })));
        }

        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        pausable?.Resume();

        // Quiesce: every timer (at most 20 ms) fires and its notifications are raised. On a loaded machine the thread
        // pool may run a due timer late, so wait until no deadline is in the past (up to 10 s: a lost timer still fails).
        Thread.Sleep(200);
        for (int wait = 0; wait < 200 && registry.GetPendingUnplugs().Any(p => p.Deadline is { } d && d <= registry.TimeProvider.GetUtcNow()); wait++)
        {
            Thread.Sleep(50);
        }

        Thread.Sleep(50);
        registry.AssertInvariants();
        var now = registry.TimeProvider.GetUtcNow();
        var pending = registry.GetPendingUnplugs();
        foreach (var p in pending)
        {
            bool liveTimer = p.Deadline is { } deadline && deadline > now;
            bool keptAfterTimeout = p.Deadline is null && p.TimedOut && policy == UnplugTimeoutPolicy.KeepPending;
            bool noTimeout = p.Deadline is null && !p.TimedOut && registry.GetUnplugTimeout(p.Index.Type) == Timeout.InfiniteTimeSpan;
            (liveTimer || keptAfterTimeout || noTimeout).Should().BeTrue($"request {p.RequestId} on {p.Index} is pending without a live timer (deadline {p.Deadline}, timed out {p.TimedOut}, now {now})");
        }

        // A sentinel request gets the next id: every id below it must be accounted for.
        var sentinel = registry.CreateConnector(DrcType.Cpu, 1000);
        registry.Attach(sentinel.Index, TestMachine.NewDevice(sentinel.Index), null, PlugMode.Cold);
        registry.RequestUnplug(sentinel.Index, Timeout.InfiniteTimeSpan).Status.Should().Be(UnplugRequestStatus.Requested);
        registry.CancelUnplug(sentinel.Index).Should().BeTrue();
        var terminals = ledger.TerminalCounts();
        long sentinelId = terminals.Keys.Max();
        var pendingIds = pending.Select(p => p.RequestId).ToHashSet();
        for (long id = 1; id < sentinelId; id++)
        {
            int ends = terminals.GetValueOrDefault(id);
            (ends == 1 || (ends == 0 && pendingIds.Contains(id))).Should().BeTrue($"request {id} ended {ends} times and is {(pendingIds.Contains(id) ? string.Empty : "not ")}pending");
        }

        // The timer still works after the storm: a request nobody answers times out (on a loaded machine the random
        // run may see few timeouts of its own).
        var probe = registry.CreateConnector(DrcType.Cpu, 1001);
        registry.Attach(probe.Index, TestMachine.NewDevice(probe.Index), null, PlugMode.Cold);
        long timedOutBefore = ledger.CountOf(UnplugOutcome.TimedOut);
        registry.RequestUnplug(probe.Index, TimeSpan.FromMilliseconds(1)).Status.Should().Be(UnplugRequestStatus.Requested);
        SpinWait.SpinUntil(() => ledger.CountOf(UnplugOutcome.TimedOut) > timedOutBefore, TimeSpan.FromSeconds(10)).Should().BeTrue("a 1 ms timeout fires");

        // A reset completes whatever is still pending: then every request has exactly one terminal outcome.
        registry.Reset();
        registry.AssertInvariants();
        registry.GetPendingUnplugs().Should().BeEmpty();
        ledger.TerminalCounts().Values.Should().OnlyContain(n => n == 1);

        failures.Should().BeEmpty();
        hosts.SelectMany(h => h.SnapshotMismatches).Should().BeEmpty("a snapshot loads into a second registry as it was saved");
        ledger.Violations.Should().BeEmpty();
        foreach (var guest in guests)
        {
            guest.Violations.Should().BeEmpty();
        }

        foreach (UnplugOutcome outcome in Enum.GetValues<UnplugOutcome>())
        {
            ledger.CountOf(outcome).Should().Be(metrics.Sum("spapr.drc.unplug.notifications", outcome.ToString()), $"{outcome} notifications must match the counter");
        }

        ledger.HotplugEvents.Should().Be(metrics.Sum("spapr.drc.hotplug_events"));
        foreach (var status in new[] { UnplugRequestStatus.Requested, UnplugRequestStatus.Retried, UnplugRequestStatus.CompletedImmediately })
        {
            long hostCount = hosts.Sum(h => h.Results.GetValueOrDefault(status)) + (status == UnplugRequestStatus.Requested ? 2 : 0);
            // Plus the sentinel and the probe requests.
            hostCount.Should().Be(metrics.Sum("spapr.drc.unplug.requests", status.ToString()), $"accepted {status} requests must match the counter");
        }

        logger.CountOf(7).Should().Be(ledger.CountOf(UnplugOutcome.TimedOut), "every timeout is logged once");
        logger.Errors.Should().Be(0, string.Join(Environment.NewLine, logger.ErrorMessages));
        EscapedExceptions.Count.Should().Be(escapedBefore);

        long ops = hosts.Sum(h => h.Operations);
        long calls = guests.Sum(g => g.Calls);
        output.WriteLine($"policy {policy}{(pausing ? $", pausable clock paused {pauses:N0} times" : string.Empty)}, seed {seed}, {duration.TotalSeconds:0} s: {ops:N0} host operations, {calls:N0} guest RTAS calls, {invariantChecks:N0} concurrent invariant checks, {Interlocked.Read(ref SnapshotCheck.Loads) - loadsBefore:N0} snapshots saved and loaded into a second registry");
        output.WriteLine($"requests {sentinelId:N0}; notifications {ledger.Total:N0} (completed {ledger.CountOf(UnplugOutcome.Completed):N0}, by reset {ledger.CountOf(UnplugOutcome.CompletedByReset):N0}, rejected {ledger.CountOf(UnplugOutcome.RejectedByGuest):N0}, cancelled {ledger.CountOf(UnplugOutcome.Cancelled):N0}, timed out {ledger.CountOf(UnplugOutcome.TimedOut):N0}); hotplug events {ledger.HotplugEvents:N0}; still pending before the final reset {pending.Count}");
        (ops + calls).Should().BeGreaterThan(1000);

        void Loop(Action step)
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    step();
                }
            }
#pragma warning disable CA1031 // Any exception is a finding: record it and let the assertions report it.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failures.Enqueue(ex.ToString());
            }
        }
    }
}
