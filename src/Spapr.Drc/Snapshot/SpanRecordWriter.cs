using System.Buffers.Binary;

namespace Spapr.Drc;

/// <summary>
/// Writes little-endian fields into a span already taken from the output, front to back. A save takes one span for
/// the connectors and unplugs sections and fills both with one of these each, in a single walk over the connectors.
/// </summary>
internal ref struct SpanRecordWriter(Span<byte> span)
{
    private readonly Span<byte> _span = span;
    private int _position;

    /// <summary>Bytes written so far.</summary>
    public readonly int Position => _position;

    public Span<byte> Take(int size)
    {
        var slice = _span.Slice(_position, size);
        _position += size;
        return slice;
    }

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Take(4), value);

    public void WriteSectionHeader(ushort id, bool required, long payloadLength) =>
        SnapshotFormat.WriteSectionHeader(Take(SnapshotFormat.SectionHeaderSize), id, required, payloadLength);
}
