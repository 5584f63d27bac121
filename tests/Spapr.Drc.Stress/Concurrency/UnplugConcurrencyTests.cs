using Spapr.Drc.Stress.Infrastructure;

namespace Spapr.Drc.Stress.Concurrency;

/// <summary>
/// Host requests, guest releases, real timer callbacks and pause/resume of the virtual clock racing each other:
/// no deadlock, the invariants hold, and every request still ends exactly once. (Moved from the unit tests: it runs
/// real threads against the system clock.)
/// </summary>
public sealed class UnplugConcurrencyTests
{
    [Fact]
    public async Task RequestsReleasesTimeoutsAndPauses_Concurrently_EveryRequestEndsOnce()
    {
        var clock = new PausableTimeProvider(TimeProvider.System);
        using var machine = new RealClockMachine(clock);
        var cpus = Enumerable.Range(1, 4).Select(i => machine.HotAdd(DrcType.Cpu, (uint)i)).ToArray();
        // Counted iterations, not a wall-clock window: on a loaded machine the tasks may start late.
        const int Iterations = 3000;
        int running = 2;

        var host = Task.Run(() =>
        {
            var random = new Random(1);
            for (int i = 0; i < Iterations; i++)
            {
                var cpu = cpus[random.Next(cpus.Length)];
                if (random.Next(4) == 0)
                {
                    machine.Registry.CancelUnplug(cpu);
                }
                else
                {
                    machine.Registry.RequestUnplug(cpu, TimeSpan.FromMilliseconds(random.Next(1, 10)));
                }
            }

            Interlocked.Decrement(ref running);
        });
        var guest = Task.Run(() =>
        {
            var random = new Random(2);
            for (int i = 0; i < Iterations; i++)
            {
                var cpu = cpus[random.Next(cpus.Length)];
                switch (random.Next(3))
                {
                    case 0:
                        machine.Registry.Rtas.SetIndicator(RtasIndicator.Isolation, cpu, 0);
                        machine.Registry.Rtas.SetIndicator(RtasIndicator.Allocation, cpu, 0);
                        break;
                    case 1:
                        machine.Unisolate(cpu);
                        break;
                    default:
                        if (machine.Registry.TryAttach(cpu, "core", RealClockMachine.Fragment("cpu"), PlugMode.Hot, out _))
                        {
                            machine.Registry.Rtas.SetIndicator(RtasIndicator.Allocation, cpu, 1);
                            machine.Registry.Rtas.SetIndicator(RtasIndicator.Isolation, cpu, 1);
                            machine.ConfigureToEnd(cpu);
                        }

                        break;
                }
            }

            Interlocked.Decrement(ref running);
        });
        var monitor = Task.Run(() =>
        {
            while (Volatile.Read(ref running) > 0)
            {
                clock.Pause();
                Thread.Sleep(1);
                clock.Resume();
                Thread.Sleep(2);
            }
        });

        var all = Task.WhenAll(host, guest, monitor);
        (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(30)))).Should().BeSameAs(all, "nothing may deadlock");
        await all;
        clock.Resume();
        machine.Registry.Reset();
        await Task.Delay(50);

        machine.Registry.AssertInvariants();
        machine.Registry.GetPendingUnplugs().Should().BeEmpty();
        var terminal = machine.Notifications.Where(n => n.IsTerminal).Select(n => n.RequestId).ToList();
        terminal.Should().NotBeEmpty().And.OnlyHaveUniqueItems();
        machine.Notifications.Where(n => !n.IsTerminal).Select(n => n.RequestId).Except(terminal).Should().BeEmpty("a timed-out request still ends");
    }
}
