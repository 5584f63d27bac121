using System.Buffers.Binary;
using System.Globalization;

namespace Spapr.Drc.Conformance.Twin;

/// <summary>
/// check-exception's status and, when an event was dequeued, the fields of its hotplug log plus the whole log with
/// the fields that legitimately differ (creation date, time, platform log id) blanked.
/// </summary>
/// <param name="Status">The status cell.</param>
/// <param name="Summary">Word 0 of the log.</param>
/// <param name="ExtendedLength">Word 1 of the log.</param>
/// <param name="Section">The id of the section at byte 96 ("HP").</param>
/// <param name="Type">Hotplug type.</param>
/// <param name="Action">Hotplug action.</param>
/// <param name="Identifier">Hotplug identifier kind.</param>
/// <param name="Index">The index (by index, count-indexed).</param>
/// <param name="Count">The count (by count, count-indexed).</param>
/// <param name="Masked">The 116 bytes as hex, date/time/log id zeroed.</param>
public sealed record ExceptionLog(int Status, uint Summary, uint ExtendedLength, string Section, byte Type, byte Action, byte Identifier, uint Index, uint Count, string Masked)
{
    public const int LogLength = 116;

    public static ExceptionLog Parse(int status, ReadOnlySpan<byte> log)
    {
        if (status != 0)
        {
            return new ExceptionLog(status, 0, 0, string.Empty, 0, 0, 0, 0, 0, string.Empty);
        }

        var bytes = log[..LogLength].ToArray();
        uint summary = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        uint ext = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4));
        string section = new([(char)bytes[96], (char)bytes[97]]);
        byte type = bytes[104], action = bytes[105], id = bytes[106];
        uint w0 = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(108));
        uint w1 = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(112));
        (uint index, uint count) = id switch
        {
            2 => (w0, 0u),
            3 => (0u, w0),
            4 => (w1, w0),
            _ => (0u, 0u),
        };

        // Main-A creation date (+8) and time (+12), and the platform log id (+40): clock and counter, not behaviour.
        bytes.AsSpan(24 + 8, 8).Clear();
        bytes.AsSpan(24 + 40, 4).Clear();
        return new ExceptionLog(status, summary, ext, section, type, action, id, index, count, Convert.ToHexStringLower(bytes));
    }

    public override string ToString() => Status != 0
        ? string.Create(CultureInfo.InvariantCulture, $"rc={Status}")
        : string.Create(CultureInfo.InvariantCulture, $"rc=0 summary=0x{Summary:x8} len={ExtendedLength} {Section} type={Type} action={Action} id={Identifier} index=0x{Index:x8} count={Count} log={Masked}");
}
