using System.Buffers.Binary;

namespace Spapr.Drc;

/// <summary>Reads little-endian fields from a bounded part of the stream; every overrun is a refusal naming its offset.</summary>
internal ref struct SnapshotReader(ReadOnlySpan<byte> data, int baseOffset, string what)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    /// <summary>The stream offset of the next byte.</summary>
    public readonly int Offset => baseOffset + _position;

    public readonly int Remaining => _data.Length - _position;

    public byte ReadByte() => Take(1)[0];

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public ReadOnlySpan<byte> Take(int size)
    {
        if (_data.Length - _position < size)
        {
            throw new DrcSnapshotException($"{what} ends after {_data.Length - _position} more bytes, {size} needed.", Offset);
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
}
