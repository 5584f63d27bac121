using Xunit.Abstractions;

namespace Spapr.Drc.Sample;

/// <summary>
/// The sample machine run end to end: a guest on two vCPU threads and a monitor thread, a pause or two, a live
/// migration halfway, and a final reset. The seeds fix the random draws, but what they pick depends on how the threads
/// interleave, so each run differs: what is asserted holds for every interleaving, and no assertion depends on timing.
/// </summary>
public sealed class SampleMachineTests(ITestOutputHelper output)
{
    private const int Seed = 20260101;
    private static readonly TimeSpan PhaseTime = TimeSpan.FromSeconds(2.5);

    [Fact]
    public void Machine_RandomRunMigratedHalfway_EndsEveryAcceptedRequestExactlyOnce()
    {
        var ledger = new Ledger();
        var source = new Machine(new MachineConfiguration());
        ledger.Watch(source.Registry);
        source.Boot();

        var first = MachineRun.Start(source, ledger, Seed, firstDeviceNumber: 1);
        Thread.Sleep(PhaseTime);
        first.StopAtQuietPoint();

        // Migration: stop the guest, save, start the destination from the source's configuration, load, continue.
        var (dimm, fromRun) = PartlyReleasedDimm.Ensure(source, ledger);

        // A device_add just before the stop (the monitor's DIMM limit leaves room): its Add event travels in the stream,
        // for the destination's guest to take.
        var late = new MachineDevice("dimm-late", DeviceKind.Dimm, source.FindFreeLmbs(1)!.Value);
        source.DeviceAdd(late, out string? error).Should().BeTrue(error);
        source.Pause();
        var (stream, saved) = SaveStill(source);
        int pendingAtSave = source.Registry.GetPendingUnplugs().Count;
        var configuration = source.CurrentConfiguration;
        source.Dispose();
        using var destination = Machine.Restore(configuration, stream);
        ledger.Watch(destination.Registry);

        saved.Should().Contain(line => line.StartsWith("queued: ", StringComparison.Ordinal));
        MachineState.Describe(destination).Should().Equal(saved, "the destination continues exactly where the source stopped");
        destination.Registry.TryGetDevice(dimm.Connector, out var migratedDimm).Should().BeTrue();
        migratedDimm!.HeldConnectors.Should().HaveCountLessThan(dimm.LmbCount, "the DIMM's released LMBs stay released");
        destination.Resume();

        var second = MachineRun.Start(destination, ledger, Seed + 100, first.Monitor.NextDeviceNumber);
        Thread.Sleep(PhaseTime);
        second.StopAtQuietPoint();

        // The end: what is still pending, and why, in the library's words; then a reset completes all of it.
        var pending = destination.Registry.GetPendingUnplugs();
        foreach (var unplug in pending)
        {
            output.WriteLine("pending before reset: " + unplug);
        }

        destination.Registry.Reset();

        output.WriteLine($"migrated with {pendingAtSave} unplugs pending, among them the partly released {dimm} ({(fromRun ? "left by the run" : "made for the migration")})");
        output.WriteLine($"monitor commands {first.Monitor.Commands + second.Monitor.Commands} (stops {first.Monitor.Pauses + second.Monitor.Pauses}), guest events {first.Guests.Concat(second.Guests).Sum(g => g.EventsHandled)}");
        output.WriteLine(ledger.ToString());
        ledger.Problems.Should().BeEmpty();
        ledger.AcceptedCount.Should().BeGreaterThan(0);
        ledger.RequestsNotEndedOnce().Should().BeEmpty("every accepted request ends exactly once, across the migration");
        foreach (var unplug in pending)
        {
            // A card whose bridge the reset released leaves with it instead.
            ledger.EndingsOf(unplug.RequestId).Should().ContainSingle()
                .Which.Should().BeOneOf([UnplugOutcome.CompletedByReset, UnplugOutcome.RemovedWithOwner], "the reset ends what was pending");
        }

        destination.Registry.GetPendingUnplugs().Should().BeEmpty();
        destination.Devices.Should().BeEquivalentTo(AttachedDevices(destination.Registry), "the machine's device list follows the notifications");
    }

    /// <summary>
    /// Saves the paused machine, with the state the stream holds. A timeout callback that started on the thread pool
    /// just before the pause may still mark its request timed out: save again until the state is the same before and
    /// after the save (a request cannot un-time-out, so equal means nothing changed in between).
    /// </summary>
    private static (MigrationStream Stream, IReadOnlyList<string> State) SaveStill(Machine machine)
    {
        while (true)
        {
            var before = MachineState.Describe(machine);
            var stream = machine.Save();
            if (MachineState.Describe(machine).SequenceEqual(before))
            {
                return (stream, before);
            }
        }
    }

    private static IEnumerable<object> AttachedDevices(DrcRegistry registry) =>
        registry.Connectors.Select(c => c.AttachedDevice?.Device).OfType<object>().Distinct();
}
