using System.Buffers.Binary;
using System.IO.Hashing;
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

    /// <summary>
    /// Byte 0 of an input says what to repair before loading the rest: bit 0 the CRC-32 trailer, bit 1 the length in
    /// the header. Without that, almost every mutation dies at the checksum and AFL never reaches the sections.
    /// </summary>
    public static void Run(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        var stream = data[1..].ToArray();
        if ((data[0] & 2) != 0 && stream.Length >= 12)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(stream.AsSpan(8), (uint)stream.Length);
        }

        if ((data[0] & 1) != 0 && stream.Length >= 4)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(stream.AsSpan(stream.Length - 4), Crc32.HashToUInt32(stream.AsSpan(0, stream.Length - 4)));
        }

        Load(stream);
    }

    private static void Load(byte[] stream)
    {
        using var registry = Machine(out _);
        var before = registry.SaveSnapshot();
        try
        {
            registry.LoadSnapshot(stream);
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
