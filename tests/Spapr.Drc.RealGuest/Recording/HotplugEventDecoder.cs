using System.Buffers.Binary;
using System.Text.Json.Nodes;
using Spapr.Drc.RealGuest.Format;

namespace Spapr.Drc.RealGuest.Recording;

/// <summary>
/// Decodes the hotplug event in the RTAS error log check-exception returned (PAPR v6 extended log: 8-byte header,
/// 16-byte extended header, then sections each starting with a 2-byte id and a 2-byte length; the hotplug section
/// is "HP" with type at +8, action +9, identifier +10 and an 8-byte payload at +12). Everything is big-endian.
/// </summary>
public static class HotplugEventDecoder
{
    private const ushort HotplugSectionId = 0x4850; // "HP"
    private const int FirstSection = 24;

    /// <summary>
    /// The trace's event object {type, action, identifier, index, count}; the payload carries an index (identifier 2),
    /// a count (3) or both (4), and the field it does not carry is null. Null when the log has no hotplug section.
    /// </summary>
    public static JsonObject? Decode(ReadOnlySpan<byte> log)
    {
        int offset = FirstSection;
        while (offset + 4 <= log.Length)
        {
            ushort id = BinaryPrimitives.ReadUInt16BigEndian(log[offset..]);
            ushort length = BinaryPrimitives.ReadUInt16BigEndian(log[(offset + 2)..]);
            if (id == HotplugSectionId && offset + 20 <= log.Length)
            {
                byte identifier = log[offset + 10];
                uint first = BinaryPrimitives.ReadUInt32BigEndian(log[(offset + 12)..]);
                uint second = BinaryPrimitives.ReadUInt32BigEndian(log[(offset + 16)..]);
                (uint? index, uint? count) = identifier switch
                {
                    2 => ((uint?)first, (uint?)null),
                    3 => (null, first),
                    4 => (second, first),
                    _ => (null, null),
                };
                return new JsonObject
                {
                    ["type"] = (int)log[offset + 8],
                    ["action"] = (int)log[offset + 9],
                    ["identifier"] = (int)identifier,
                    ["index"] = index is { } i ? TraceFormat.FormatIndex(i) : null,
                    ["count"] = count is { } c ? (long)c : null,
                };
            }

            if (length < 4)
            {
                break;
            }

            offset += length;
        }

        return null;
    }
}
