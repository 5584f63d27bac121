using CsCheck;
using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Snapshot;

/// <summary>SPEC section 7 as properties over random machines.</summary>
public sealed class SnapshotPropertyTests
{
    private static readonly Gen<(int Seed, int Operations)> Machines = Gen.Select(Gen.Int, Gen.Int[0, 80]);

    [Fact]
    public void LoadSnapshot_RandomMachine_LoadsAndSavesIdenticalBytes()
    {
        // Every state the public API reaches loads: memory devices with released LMBs (pending, cancelled, rejected) included.
        Machines.Sample(m =>
        {
            using var source = new RandomMachine(m.Seed, m.Operations);
            var snapshot = source.Registry.SaveSnapshot();
            using var destinationMachine = SnapshotTestKit.Destination(source.Registry, source.Options);
            var destination = destinationMachine.Registry;

            destination.LoadSnapshot(snapshot);

            destination.AssertInvariants();
            destination.SaveSnapshot().Should().Equal(snapshot);
            destination.GetQueuedEvents().Should().Equal(source.Registry.GetQueuedEvents());
            Describe(destination.GetPendingUnplugs()).Should().Equal(Describe(source.Registry.GetPendingUnplugs()));
        }, iter: 300);
    }

    [Fact]
    public void LoadSnapshot_ResumeRemaining_TimersFireAtTheSourceTimes()
    {
        Machines.Where(m => m.Operations > 0).Sample(m =>
        {
            using var source = new RandomMachine(m.Seed, m.Operations);

            using var destinationMachine = SnapshotTestKit.Destination(source.Registry, source.Options);
            var destination = destinationMachine.Registry;
            var destinationClock = destinationMachine.Clock;
            destination.LoadSnapshot(source.Registry.SaveSnapshot());
            var atSource = Record(source.Registry, source.Clock);
            var atDestination = Record(destination, destinationClock);

            for (int step = 0; step < 70; step++)
            {
                source.Clock.Advance(TimeSpan.FromMilliseconds(500));
                destinationClock.Advance(TimeSpan.FromMilliseconds(500));
            }

            // Timeouts due at the same instant have no defined order between them: compare (time, request) sets.
            atDestination.Order(StringComparer.Ordinal).Should().Equal(atSource.Order(StringComparer.Ordinal));
        }, iter: 150);
    }

    [Fact]
    public void LoadSnapshot_RestartFull_RunningTimersRestartTheirWholeTimeout()
    {
        Machines.Where(m => m.Operations > 0).Sample(m =>
        {
            using var source = new RandomMachine(m.Seed, m.Operations);

            using var destinationMachine = SnapshotTestKit.Destination(source.Registry, source.Options);
            var destination = destinationMachine.Registry;
            var destinationClock = destinationMachine.Clock;
            destination.LoadSnapshot(source.Registry.SaveSnapshot(), new SnapshotLoadOptions { TimerMode = SnapshotTimerMode.RestartFull });
            var now = destinationClock.GetUtcNow();

            foreach (var pending in source.Registry.GetPendingUnplugs())
            {
                var restored = destination.GetPendingUnplugs().Single(p => p.RequestId == pending.RequestId);
                var timeout = pending.Timeout;
                restored.Deadline.Should().Be(pending.Deadline is null ? null : now + timeout);
                restored.TimedOut.Should().Be(pending.TimedOut);
            }

            destination.AssertInvariants();
        }, iter: 150);
    }

    [Fact]
    public void RandomMachine_Seeds_CoverEveryKindOfRecord()
    {
        int partlyReleased = 0, holesWithoutRequest = 0, cursors = 0, running = 0, timedOut = 0, events = 0;
        for (int seed = 0; seed < 200; seed++)
        {
            using var machine = new RandomMachine(seed, 60);
            var connectors = machine.Registry.Connectors;
            partlyReleased += connectors.Any(c => c.AttachedDevice is { IsUnplugPending: true } && c.Device is null) ? 1 : 0;
            holesWithoutRequest += connectors.Any(c => c.AttachedDevice is { IsUnplugPending: false } && c.Device is null) ? 1 : 0;
            cursors += connectors.Any(c => c.Cursor != 0) ? 1 : 0;
            running += connectors.Any(c => c.UnplugDeadline is not null) ? 1 : 0;
            timedOut += machine.Registry.GetPendingUnplugs().Any(p => p.TimedOut) ? 1 : 0;
            events += machine.Registry.GetQueuedEvents().Count > 0 ? 1 : 0;
        }

        new[] { partlyReleased, holesWithoutRequest, cursors, running, timedOut, events }.Should().OnlyContain(n => n > 0);
    }

    private static List<string> Describe(IReadOnlyList<PendingUnplug> pending) =>
        [.. pending.Select(p => $"{p.RequestId} {p.Index} {p.Device} [{string.Join(",", p.Waiting)}] {p.RequestedAt:O} {p.Deadline:O} {p.TimedOut}")];

    private static List<string> Record(DrcRegistry registry, TimeProvider clock)
    {
        var fired = new List<string>();
        registry.UnplugTimedOut += (_, e) => fired.Add($"{clock.GetUtcNow():O} {e.Index} {e.RequestId}");
        return fired;
    }
}
