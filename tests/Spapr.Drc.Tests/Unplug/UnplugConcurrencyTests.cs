namespace Spapr.Drc.Tests.Unplug;

/// <summary>
/// Host requests, guest releases, real timer callbacks and pause/resume of the virtual clock racing each other:
/// no deadlock, the invariants hold, and every request still ends exactly once.
/// </summary>
public sealed class UnplugConcurrencyTests
{
    [Fact]
    public async Task RequestsReleasesTimeoutsAndPauses_Concurrently_EveryRequestEndsOnce()
    {
        var clock = new PausableTimeProvider(TimeProvider.System);
        using var h = new UnplugHarness(clock: clock);
        var cpus = Enumerable.Range(1, 4).Select(i => h.HotPlug(DrcType.Cpu, (uint)i)).ToArray();
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
                    h.Registry.CancelUnplug(cpu);
                }
                else
                {
                    h.Registry.RequestUnplug(cpu, TimeSpan.FromMilliseconds(random.Next(1, 10)));
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
                        h.Registry.Rtas.SetIndicator(UnplugHarness.Isolation, cpu.Value, 0);
                        h.Registry.Rtas.SetIndicator(UnplugHarness.Allocation, cpu.Value, 0);
                        break;
                    case 1:
                        h.Unisolate(cpu);
                        break;
                    default:
                        if (h.Registry.TryAttach(cpu, "core", UnplugHarness.Fragment("cpu"), PlugMode.Hot, out _))
                        {
                            h.Registry.Rtas.SetIndicator(UnplugHarness.Allocation, cpu.Value, 1);
                            h.Registry.Rtas.SetIndicator(UnplugHarness.Isolation, cpu.Value, 1);
                            h.ConfigureToEnd(cpu);
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
        h.Registry.Reset();
        await Task.Delay(50);

        h.Registry.AssertInvariants();
        h.Registry.GetPendingUnplugs().Should().BeEmpty();
        var terminal = h.Notifications.Where(n => n.Args.IsTerminal).Select(n => n.Args.RequestId).ToList();
        terminal.Should().NotBeEmpty().And.OnlyHaveUniqueItems();
        h.Notifications.Where(n => !n.Args.IsTerminal).Select(n => n.Args.RequestId).Except(terminal).Should().BeEmpty("a timed-out request still ends");
    }
}
