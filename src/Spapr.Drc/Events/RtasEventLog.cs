using System.Buffers.Binary;

namespace Spapr.Drc;

/// <summary>
/// Writes a hotplug event as the 116-byte RTAS error log the guest reads from check-exception (SPEC section 4).
/// Every multi-byte field is big-endian; bytes not listed are zero.
/// </summary>
internal static class RtasEventLog
{
    public const int Length = 116;
    public const uint Summary = 0x063460E5;
    public const uint ExtendedLength = 108;

    public static void Write(in HotplugEventRecord e, Span<byte> log)
    {
        log = log[..Length];
        log.Clear();

        // Fixed header: summary word and the length of everything after it.
        BinaryPrimitives.WriteUInt32BigEndian(log, Summary);
        BinaryPrimitives.WriteUInt32BigEndian(log[4..], ExtendedLength);

        // Extended (v6) header.
        log[8] = 0x86;
        log[10] = 0x8E;
        BinaryPrimitives.WriteUInt32BigEndian(log[20..], 0x49424D00);

        // Main-A: "PH", creation date and time in BCD, creator 'H', three sections, platform log id.
        var mainA = log[24..72];
        BinaryPrimitives.WriteUInt16BigEndian(mainA, 0x5048);
        BinaryPrimitives.WriteUInt16BigEndian(mainA[2..], 48);
        var at = e.CreatedAt;
        BinaryPrimitives.WriteUInt32BigEndian(mainA[8..], Bcd(at.Year / 100) << 24 | Bcd(at.Year % 100) << 16 | Bcd(at.Month) << 8 | Bcd(at.Day));
        BinaryPrimitives.WriteUInt32BigEndian(mainA[12..], Bcd(at.Hour) << 24 | Bcd(at.Minute) << 16 | Bcd(at.Second) << 8);
        mainA[24] = (byte)'H';
        mainA[27] = 3;
        BinaryPrimitives.WriteUInt32BigEndian(mainA[40..], e.LogId);

        // Main-B: "UH", subsystem 0x80.
        var mainB = log[72..96];
        BinaryPrimitives.WriteUInt16BigEndian(mainB, 0x5548);
        BinaryPrimitives.WriteUInt16BigEndian(mainB[2..], 24);
        mainB[8] = 0x80;

        // HP section and its payload (from byte 108 of the log).
        var hp = log[96..116];
        BinaryPrimitives.WriteUInt16BigEndian(hp, 0x4850);
        BinaryPrimitives.WriteUInt16BigEndian(hp[2..], 20);
        hp[4] = 1;
        hp[8] = (byte)e.Type;
        hp[9] = (byte)e.Action;
        hp[10] = (byte)e.Identifier;
        var payload = hp[12..];
        switch (e.Identifier)
        {
            case HotplugIdentifier.DrcIndex:
                BinaryPrimitives.WriteUInt32BigEndian(payload, e.Index);
                break;
            case HotplugIdentifier.DrcCount:
                BinaryPrimitives.WriteUInt32BigEndian(payload, e.Count);
                break;
            default:
                BinaryPrimitives.WriteUInt32BigEndian(payload, e.Count);
                BinaryPrimitives.WriteUInt32BigEndian(payload[4..], e.Index);
                break;
        }
    }

    private static uint Bcd(int value) => (uint)(((value / 10) << 4) | (value % 10));
}
