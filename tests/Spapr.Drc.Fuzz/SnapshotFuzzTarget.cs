using Microsoft.Extensions.Time.Testing;
using Spapr.Drc.Stress.Infrastructure;

namespace Spapr.Drc.Fuzz;

/// <summary>
/// Feeds an input to <see cref="DrcRegistry.LoadSnapshot(ReadOnlySpan{byte})"/> of a populated machine. The documented
/// refusal (<see cref="DrcSnapshotException"/>, registry unchanged) is fine; any other exception, a refused stream that
/// changed the registry, or an accepted stream that breaks an invariant or does not survive a save/load round trip is a crash.
/// </summary>
internal static class SnapshotFuzzTarget
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static void Run(ReadOnlySpan<byte> data)
    {
        using var registry = Machine(out _);
        var before = registry.SaveSnapshot();
        try
        {
            registry.LoadSnapshot(data);
        }
        catch (DrcSnapshotException)
        {
            Expect(registry.SaveSnapshot().AsSpan().SequenceEqual(before), "a refused snapshot changed the registry");
            registry.AssertInvariants();
            return;
        }

        registry.AssertInvariants();
        var saved = registry.SaveSnapshot();
        using var copy = Machine(out var clock);
        copy.LoadSnapshot(saved);
        copy.AssertInvariants();
        Expect(copy.SaveSnapshot().AsSpan().SequenceEqual(saved), "a loaded snapshot does not round-trip");

        // The loaded timers run: passing every deadline leaves a consistent registry.
        clock.Advance(TimeSpan.FromDays(60));
        copy.AssertInvariants();
    }

    /// <summary>The machine the seed streams come from, in the state it had when they were saved.</summary>
    public static DrcRegistry Machine(out FakeTimeProvider clock)
    {
        clock = new FakeTimeProvider(Start);
        var options = new DrcOptions().SetUnplugTimeout(DrcType.Lmb, TimeSpan.FromSeconds(30)).SetUnplugTimeout(DrcType.Pci, TimeSpan.FromSeconds(5));
        var registry = TestMachine.Create(options, clock);
        TestMachine.Populate(registry);
        return registry;
    }

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new FuzzFindingException(what);
        }
    }
}
