using System.Buffers.Binary;

namespace Spapr.Drc.Tests.Snapshot;

/// <summary>
/// SPEC section 7: 10,000 random mutations of valid streams. Each is either refused with a
/// <see cref="DrcSnapshotException"/> leaving the registry byte-identical, or loads into a registry that passes its
/// invariant check. No other exception, no partial change.
/// </summary>
public sealed class SnapshotFuzzTests
{
    private const int Mutations = 10_000;

    [Fact]
    public void LoadSnapshot_10000MutatedStreams_RefusedCleanlyOrConsistent()
    {
        var random = new Random(20260301);
        var bases = new List<(RandomMachine Machine, byte[] Stream)>();
        for (int seed = 0; bases.Count < 8; seed++)
        {
            var machine = new RandomMachine(seed, 60);
            var stream = machine.Registry.SaveSnapshot();
            if (SnapshotTestKit.Sections(stream).Count >= 3)
            {
                bases.Add((machine, stream));
            }
            else
            {
                machine.Dispose();
            }
        }

        int loaded = 0;
        int refused = 0;
        try
        {
            var destinations = bases.Select(b => SnapshotTestKit.Destination(b.Machine.Registry, b.Machine.Options)).ToArray();
            for (int i = 0; i < Mutations; i++)
            {
                int which = random.Next(bases.Count);
                var mutated = Mutate(random, bases[which].Stream, bases[random.Next(bases.Count)].Stream);
                var destination = destinations[which].Registry;
                var before = destination.SaveSnapshot();
                try
                {
                    destination.LoadSnapshot(mutated);
                }
                catch (DrcSnapshotException refusal)
                {
                    refusal.Offset.Should().BeInRange(0, mutated.Length);
                    destination.SaveSnapshot().Should().Equal(before, "a refused load must change nothing (mutation {0})", i);
                    refused++;
                    continue;
                }

                destination.AssertInvariants();
                loaded++;

                // A load may bring timers and detach LMBs: start the next mutation of this base from a fresh destination.
                destination.Dispose();
                destinations[which] = SnapshotTestKit.Destination(bases[which].Machine.Registry, bases[which].Machine.Options);
            }

            foreach (var destination in destinations)
            {
                destination.Dispose();
            }
        }
        finally
        {
            foreach (var b in bases)
            {
                b.Machine.Dispose();
            }
        }

        (loaded + refused).Should().Be(Mutations);
        refused.Should().BeGreaterThan(Mutations / 2);
        loaded.Should().BePositive("some mutants (a changed log id, time or indicator) are valid streams and must load");
    }

    private static byte[] Mutate(Random random, byte[] original, byte[] other)
    {
        var bytes = new List<byte>(original);
        int mutations = random.Next(1, 4);
        for (int m = 0; m < mutations && bytes.Count > 0; m++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 2:
                {
                    // Splice in a piece of another valid stream.
                    int from = random.Next(other.Length);
                    int length = random.Next(1, Math.Min(64, other.Length - from) + 1);
                    int replace = Math.Min(random.Next(0, 64), bytes.Count - at);
                    bytes.RemoveRange(at, replace);
                    bytes.InsertRange(at, other.AsSpan(from, length).ToArray());
                    break;
                }

                case 3:
                {
                    int length = Math.Min(random.Next(1, 16), bytes.Count - at);
                    for (int k = 0; k < length; k++)
                    {
                        bytes[at + k] = (byte)random.Next(256);
                    }

                    break;
                }

                case 4:
                {
                    // A length or count set to a huge value, on a 4-byte boundary where lengths and counts live.
                    at &= ~3;
                    if (at + 4 <= bytes.Count)
                    {
                        uint huge = random.Next(3) switch { 0 => uint.MaxValue, 1 => 0x7FFF_FFFF, _ => 0x8000_0000 + (uint)random.Next(1 << 20) };
                        var cell = new byte[4];
                        BinaryPrimitives.WriteUInt32LittleEndian(cell, huge);
                        for (int k = 0; k < 4; k++)
                        {
                            bytes[at + k] = cell[k];
                        }
                    }

                    break;
                }

                case 5:
                    bytes.InsertRange(at, Enumerable.Range(0, random.Next(1, 9)).Select(_ => (byte)random.Next(256)));
                    break;
                default:
                    bytes[at] = (byte)random.Next(256);
                    break;
            }
        }

        var mutated = bytes.ToArray();

        // Most mutants get a consistent header length and checksum, so that the parser and the validation behind
        // the checksum are exercised rather than only the checksum itself.
        if (mutated.Length >= SnapshotFormat.HeaderSize + SnapshotFormat.TrailerSize && random.Next(5) != 0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(mutated.AsSpan(8), (uint)mutated.Length);
            SnapshotTestKit.FixChecksum(mutated);
        }

        return mutated;
    }
}
