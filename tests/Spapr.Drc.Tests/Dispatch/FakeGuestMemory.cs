using System.Buffers.Binary;

namespace Spapr.Drc.Tests.Dispatch;

/// <summary>
/// Guest RAM for the dispatcher tests: one byte array at a base address; every access outside it fails, as the
/// interface asks. A range can be made read-only to play ROM.
/// </summary>
internal sealed class FakeGuestMemory : IGuestMemory
{
    public const byte Poison = 0xA5;

    public FakeGuestMemory(ulong baseAddress, int size)
    {
        Base = baseAddress;
        Bytes = new byte[size];
    }

    public ulong Base { get; }

    public byte[] Bytes { get; }

    /// <summary>The first address past the RAM.</summary>
    public ulong End => Base + (ulong)Bytes.Length;

    /// <summary>Writes to [Start, End) fail (reads succeed).</summary>
    public (ulong Start, ulong End)? ReadOnly { get; set; }

    public int Reads { get; private set; }

    public int Writes { get; private set; }

    public bool TryRead(ulong address, Span<byte> destination)
    {
        Reads++;
        if (!Contains(address, destination.Length))
        {
            return false;
        }

        Bytes.AsSpan((int)(address - Base), destination.Length).CopyTo(destination);
        return true;
    }

    public bool TryWrite(ulong address, ReadOnlySpan<byte> source)
    {
        Writes++;
        if (!Contains(address, source.Length)
            || (ReadOnly is { } ro && address < ro.End && address + (ulong)source.Length > ro.Start))
        {
            return false;
        }

        source.CopyTo(Bytes.AsSpan((int)(address - Base)));
        return true;
    }

    public void WriteCells(ulong address, params uint[] cells)
    {
        for (int i = 0; i < cells.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(Slice(address + (ulong)(4 * i), 4), cells[i]);
        }
    }

    public uint[] ReadCells(ulong address, int count)
    {
        var cells = new uint[count];
        for (int i = 0; i < count; i++)
        {
            cells[i] = BinaryPrimitives.ReadUInt32BigEndian(Slice(address + (ulong)(4 * i), 4));
        }

        return cells;
    }

    public byte[] Read(ulong address, int length) => Slice(address, length).ToArray();

    public void Fill(ulong address, int length, byte value) => Slice(address, length).Fill(value);

    public Span<byte> Slice(ulong address, int length) =>
        Contains(address, length) ? Bytes.AsSpan((int)(address - Base), length) : throw new ArgumentOutOfRangeException(nameof(address), "The test touched memory outside the fake RAM.");

    private bool Contains(ulong address, int length) =>
        address >= Base && address - Base <= (ulong)Bytes.Length && (ulong)length <= (ulong)Bytes.Length - (address - Base);
}
