using System.Buffers.Binary;
using System.IO.Hashing;
using Microsoft.Extensions.Time.Testing;

namespace Spapr.Drc.Fuzz;

/// <summary>
/// The snapshot loader (SPEC section 7) on a populated machine. Input: one control byte, then the stream. Control bit
/// 0 repairs the stream's length field and CRC trailer before loading, so that mutations reach the parser and the
/// validation behind the checksum instead of stopping at it; bits 1-2 pick the destination machine; bit 3 the timer
/// mode. A refusal (<see cref="DrcSnapshotException"/>) must leave the registry unchanged; an accepted stream must
/// give a registry whose invariants hold, whose own snapshot loads back to the same bytes, and that keeps working
/// (timers fire, the guest acquires and releases connectors).
/// </summary>
internal sealed class SnapshotTarget : IFuzzTarget
{
    private const int HeaderSize = 12;
    private const int LengthOffset = 8;
    private const int TrailerSize = 4;

    public string Name => "snapshot";

    public bool Run(ReadOnlySpan<byte> input)
    {
        byte control = input.IsEmpty ? (byte)0 : input[0];
        byte[] stream = input.IsEmpty ? [] : input[1..].ToArray();
        if ((control & 1) != 0)
        {
            Repair(stream);
        }

        var clock = new FakeTimeProvider(FuzzMachine.Epoch);
        using var registry = FuzzMachine.Create(clock, (byte)(control >> 1));
        var options = new SnapshotLoadOptions { TimerMode = (control & 8) == 0 ? SnapshotTimerMode.ResumeRemaining : SnapshotTimerMode.RestartFull };
        var before = registry.SaveSnapshot();
        try
        {
            registry.LoadSnapshot(stream, options);
        }
        catch (DrcSnapshotException refused)
        {
            if (refused.Offset < 0 || refused.Offset > stream.Length)
            {
                throw new InvalidOperationException($"Refusal names offset {refused.Offset} outside the {stream.Length}-byte stream.", refused);
            }

            if (!registry.SaveSnapshot().AsSpan().SequenceEqual(before))
            {
                throw new InvalidOperationException("A refused snapshot changed the registry.", refused);
            }

            registry.AssertInvariants();
            return false;
        }

        registry.AssertInvariants();

        // What was accepted must survive its own round trip: save, load into a twin machine, save the same bytes.
        var saved = registry.SaveSnapshot();
        var twinClock = new FakeTimeProvider(FuzzMachine.Epoch);
        using (var twin = FuzzMachine.Create(twinClock, (byte)(control >> 1)))
        {
            twin.LoadSnapshot(saved, options);
            twin.AssertInvariants();
            if (!twin.SaveSnapshot().AsSpan().SequenceEqual(saved))
            {
                throw new InvalidOperationException("A loaded snapshot saved again does not reload to the same bytes.");
            }
        }

        // And the machine keeps working: every pending timer fires, the guest acquires every connector.
        clock.Advance(TimeSpan.FromHours(1));
        registry.AssertInvariants();
        RtasTarget.Drive(registry, clock, [.. Enumerable.Range(0, registry.Count).SelectMany(i => new byte[] { 15, (byte)i })]);
        registry.AssertInvariants();
        return true;
    }

    public IEnumerable<(string Name, byte[] Data)> Seeds()
    {
        // Sources: machines driven by the rtas seeds that keep the devices the destination cold-plugs.
        string[] names = ["fresh", "acquire-all", "unplug-pending", "unplug-timeout", "lmb-reject", "events"];
        byte[][] drives =
        [
            [],
            [.. Enumerable.Range(0, 40).SelectMany(i => new byte[] { 15, (byte)i })],
            [15, 2, 9, 0, 2, 9, 255, 11, 9, 0, 5],
            [9, 5, 3, 11, 0x01, 0x00, 9, 2, 255],
            [15, 11, 9, 0, 11, 0, 0, 11, 1, 1, 4, 12, 5, 11, 0],
            [14, 1, 1, 9, 12, 0, 9, 13, 0],
        ];
        for (int i = 0; i < names.Length; i++)
        {
            for (byte setup = 0; setup < 4; setup++)
            {
                var clock = new FakeTimeProvider(FuzzMachine.Epoch);
                using var source = FuzzMachine.Create(clock, setup);
                RtasTarget.Drive(source, clock, drives[i]);
                yield return ($"{names[i]}-{setup}", [(byte)(1 | (setup << 1)), .. source.SaveSnapshot()]);
            }
        }
    }

    /// <summary>Makes the length field and the CRC-32 trailer agree with the bytes (SPEC section 7's framing).</summary>
    private static void Repair(byte[] stream)
    {
        if (stream.Length >= HeaderSize)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(stream.AsSpan(LengthOffset), (uint)stream.Length);
        }

        if (stream.Length >= HeaderSize + TrailerSize)
        {
            int end = stream.Length - TrailerSize;
            BinaryPrimitives.WriteUInt32LittleEndian(stream.AsSpan(end), Crc32.HashToUInt32(stream.AsSpan(0, end)));
        }
    }
}
