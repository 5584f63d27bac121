using System.Buffers.Binary;

namespace Spapr.Drc.Fuzz;

/// <summary>
/// Reads fuzz bytes as a stream of small decisions. Past the end every read gives zero, so any input, however
/// short, decodes to a well-defined sequence and afl-fuzz's truncations stay meaningful.
/// </summary>
internal ref struct FuzzReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public FuzzReader(ReadOnlySpan<byte> data) => _data = data;

    public readonly bool AtEnd => _position >= _data.Length;

    public byte Byte() => _position < _data.Length ? _data[_position++] : (byte)0;

    public ushort UInt16() => (ushort)((Byte() << 8) | Byte());

    public uint UInt32()
    {
        if (_data.Length - _position >= 4)
        {
            uint value = BinaryPrimitives.ReadUInt32BigEndian(_data[_position..]);
            _position += 4;
            return value;
        }

        return ((uint)UInt16() << 16) | UInt16();
    }

    /// <summary>Up to <paramref name="count"/> bytes (fewer at the end of the input).</summary>
    public ReadOnlySpan<byte> Bytes(int count)
    {
        int length = Math.Min(count, _data.Length - _position);
        var slice = _data.Slice(_position, Math.Max(length, 0));
        _position += slice.Length;
        return slice;
    }
}
