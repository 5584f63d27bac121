using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;

namespace Spapr.Drc;

/// <summary>
/// Writes little-endian fields straight into an <see cref="IBufferWriter{T}"/>'s spans, a chunk at a time, and
/// feeds every committed chunk to the CRC, so a save costs one pass and no per-record allocation.
/// </summary>
internal ref struct SnapshotBufferWriter
{
    private const int ChunkSize = 16 * 1024;

    private readonly IBufferWriter<byte> _output;
    private readonly Crc32 _crc;
    private Span<byte> _span;
    private int _position;

    public SnapshotBufferWriter(IBufferWriter<byte> output)
    {
        _output = output;
        _crc = new Crc32();
    }

    public long Written { get; private set; }

    public Span<byte> Take(int size)
    {
        if (_span.Length - _position < size)
        {
            Refill(size);
        }

        var slice = _span.Slice(_position, size);
        _position += size;
        return slice;
    }

    public void WriteByte(byte value) => Take(1)[0] = value;

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Take(2), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Take(4), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Take(8), value);

    public void WriteSectionHeader(ushort id, bool required, long payloadLength) =>
        SnapshotFormat.WriteSectionHeader(Take(SnapshotFormat.SectionHeaderSize), id, required, payloadLength);

    /// <summary>Commits what is buffered and appends the CRC-32 of everything written.</summary>
    public void Finish()
    {
        Commit();
        var trailer = _output.GetSpan(SnapshotFormat.TrailerSize);
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, _crc.GetCurrentHashAsUInt32());
        _output.Advance(SnapshotFormat.TrailerSize);
        Written += SnapshotFormat.TrailerSize;
    }

    private void Refill(int size)
    {
        Commit();
        _span = _output.GetSpan(Math.Max(size, ChunkSize));
    }

    private void Commit()
    {
        if (_position > 0)
        {
            _crc.Append(_span[.._position]);
            _output.Advance(_position);
            Written += _position;
        }

        _span = default;
        _position = 0;
    }
}
