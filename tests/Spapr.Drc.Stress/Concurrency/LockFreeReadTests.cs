using Spapr.Drc.Stress.Infrastructure;
using Xunit.Abstractions;

namespace Spapr.Drc.Stress.Concurrency;

/// <summary>
/// DESIGN: "reads of a single value may be lock-free". A connector's public properties are read by monitor threads
/// while the registry changes them; every value read must be one the registry actually held.
/// </summary>
public sealed class LockFreeReadTests(ITestOutputHelper output)
{
    [Fact]
    public void UnplugDeadline_ReadWhileRequestsComeAndGo_AlwaysAValueTheRegistryHeld()
    {
        var duration = StressMode.Duration(TimeSpan.FromSeconds(2));
        var options = new DrcOptions().SetUnplugTimeout(DrcType.Cpu, TimeSpan.FromHours(1));
        using var registry = TestMachine.Create(options, TimeProvider.System);
        TestMachine.Populate(registry);
        var cpu = registry[DrcType.Cpu, 1];
        var start = registry.TimeProvider.GetUtcNow();
        using var stop = new CancellationTokenSource(duration);
        long reads = 0;
        long changes = 0;
        var torn = new List<string>();
        var writer = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                registry.RequestUnplug(cpu.Index);
                registry.CancelUnplug(cpu.Index);
                changes += 2;
            }
        });
        writer.Start();
        while (!stop.IsCancellationRequested)
        {
            reads++;
            if (cpu.UnplugDeadline is { } deadline && (deadline < start || deadline > start + duration + TimeSpan.FromHours(2)))
            {
                torn.Add($"{deadline:O}");
                if (torn.Count > 10)
                {
                    break;
                }
            }

            if (cpu.UnplugTimeRemaining is { } left && left > TimeSpan.FromHours(1))
            {
                torn.Add($"remaining {left}");
            }
        }

        writer.Join();
        output.WriteLine($"{reads:N0} reads during {changes:N0} changes");
        torn.Should().BeEmpty("a deadline is written as a whole under the lock and must be read as a whole");
    }

    [Fact]
    public async Task TryGet_WhileConnectorsAreCreated_NeverFailsForAnExistingConnector()
    {
        // Moved from the unit tests: a writer thread races the lock-free reads.
        using var registry = new DrcRegistry();
        const int Count = 4096;
        int created = 0;
        var writer = Task.Run(() =>
        {
            for (uint i = 0; i < Count; i++)
            {
                registry.CreateConnector(DrcType.Lmb, i);
                Volatile.Write(ref created, (int)i + 1);
            }
        });

        int misses = 0;
        while (!writer.IsCompleted)
        {
            int known = Volatile.Read(ref created);
            for (uint i = 0; i < known; i++)
            {
                if (!registry.TryGet(DrcIndex.From(DrcType.Lmb, i), out _))
                {
                    misses++;
                }
            }
        }

        await writer;
        misses.Should().Be(0);
        registry.Count.Should().Be(Count);
    }
}
