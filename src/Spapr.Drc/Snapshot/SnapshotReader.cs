using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Spapr.Drc;

/// <summary>Reads little-endian fields from a bounded part of the stream; every overrun is a refusal naming its offset.</summary>
internal ref struct SnapshotReader(ReadOnlySpan<byte> data, int baseOffset, string what)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    /// <summary>The stream offset of the next byte.</summary>
    public readonly int Offset => baseOffset + _position;

    public readonly int Remaining => _data.Length - _position;

    // The reads are inlined into the record loops (a load parses tens of thousands of records); the refusal's text is
    // built only on the throw path, kept out of line so that it does not stop the inlining.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte ReadByte() => Take(1)[0];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Take(int size)
    {
        if ((uint)size > (uint)(_data.Length - _position))
        {
            ThrowOverrun(size);
        }

        var slice = _data.Slice(_position, size);
        _position += size;
        return slice;
    }

    /// <summary>Refuses a count whose records cannot fit in what is left, before anything is allocated for them.</summary>
    public readonly int CheckCount(uint count, int minRecordSize, string records)
    {
        if (count > (uint)(Remaining / minRecordSize))
        {
            throw new DrcSnapshotException($"{count} {records} cannot fit in the {Remaining} bytes left of {what}.", Offset - 4);
        }

        return (int)count;
    }

    public readonly void ExpectEnd()
    {
        if (Remaining != 0)
        {
            throw new DrcSnapshotException($"{what} has {Remaining} bytes after its last record.", Offset);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void ThrowOverrun(int size) =>
        throw new DrcSnapshotException($"{what} ends after {_data.Length - _position} more bytes, {size} needed.", Offset);
}
