using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>The README's "Unplug timeouts" example, compiled and run. Keep <see cref="ReadmeExample"/> identical to the README.</summary>
public sealed class ReadmeSeedStoryTests
{
    [Fact]
    public void ReadmeExample_SeedStory_BehavesAsTheReadmeSays()
    {
        var (log, first, second, retry, machine) = ReadmeExample();
        using (machine)
        {
            first.Status.Should().Be(UnplugRequestStatus.Requested);
            second.Status.Should().Be(UnplugRequestStatus.AlreadyPending);
            second.TimeRemaining.Should().Be(TimeSpan.FromSeconds(10));
            retry.Status.Should().Be(UnplugRequestStatus.Retried);
            log.Should().Equal(
                "CPU 1: timed out after 15 s, still pending: True",
                "CPU 1: Completed after 18 s");
            machine.GetQueuedEvents().Count(e => e.Action == HotplugAction.Remove).Should().Be(2);
        }
    }

    private static (List<string> Log, UnplugRequestResult First, UnplugRequestResult Second, UnplugRequestResult Retry, DrcRegistry Machine) ReadmeExample()
    {
        // --- README "Unplug timeouts" example: begin ---
        var clock = new FakeTimeProvider();    // an emulator passes new PausableTimeProvider(TimeProvider.System)
        var machine = new DrcRegistry(timeProvider: clock);   // defaults: CPU 15 s, KeepPending
        var log = new List<string>();
        machine.UnplugTimedOut += (_, e) =>
            log.Add($"{e.Name}: timed out after {(e.OccurredAt - e.RequestedAt).TotalSeconds} s, still pending: {!e.IsTerminal}");
        machine.UnplugCompleted += (_, e) =>
            log.Add($"{e.Name}: {e.Outcome} after {(e.OccurredAt - e.RequestedAt).TotalSeconds} s");

        // CPU core 1 is hot-plugged and the guest takes it: allocation usable, unisolate, configure-connector.
        var cpu1 = machine.CreateConnector(DrcType.Cpu, 1).Index;
        machine.Attach(cpu1, "core 1", new DeviceTreeNode("cpu@1"), PlugMode.Hot);
        machine.Rtas.SetIndicator(9003, cpu1.Value, 1);
        machine.Rtas.SetIndicator(9001, cpu1.Value, 1);
        var workArea = new byte[DrcRtas.WorkAreaSize];
        do
        {
            BinaryPrimitives.WriteUInt32BigEndian(workArea, cpu1.Value);
        }
        while (machine.Rtas.ConfigureConnector(workArea) != ConfigureConnectorStatus.Success);

        var first = machine.RequestUnplug(cpu1);   // t = 0: Requested; the guest does not release the core
        clock.Advance(TimeSpan.FromSeconds(5));
        var second = machine.RequestUnplug(cpu1);  // t = 5 s: AlreadyPending, TimeRemaining 10 s, nothing re-queued
        clock.Advance(TimeSpan.FromSeconds(10));   // t = 15 s: UnplugTimedOut (not terminal) and a warning log
        var retry = machine.RequestUnplug(cpu1);   // Retried: the Remove event is queued again, 15 s more
        clock.Advance(TimeSpan.FromSeconds(3));
        machine.Rtas.SetIndicator(9001, cpu1.Value, 0);  // the guest finally isolates the core...
        machine.Rtas.SetIndicator(9003, cpu1.Value, 0);  // ...and makes it unusable: UnplugCompleted
        // --- README "Unplug timeouts" example: end ---
        return (log, first, second, retry, machine);
    }
}
