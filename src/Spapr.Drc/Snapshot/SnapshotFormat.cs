using System.Buffers.Binary;

namespace Spapr.Drc;

/// <summary>The constants of the snapshot format; FORMAT.md in this folder is the prose version.</summary>
internal static class SnapshotFormat
{
    /// <summary>"DRCS" in stream order (the fields are little-endian).</summary>
    public const uint Magic = 0x5343_5244;

    public const ushort Version = 1;

    public const int HeaderSize = 12;

    public const int SectionHeaderSize = 8;

    public const int TrailerSize = 4;

    public const ushort SectionRequired = 1;

    public const ushort MachineSection = 1;

    public const ushort ConnectorsSection = 2;

    public const ushort UnplugsSection = 3;

    public const ushort EventsSection = 4;

    /// <summary>Optional: unplug diagnostics (retries, when the guest took a Remove, the guest's last calls).</summary>
    public const ushort DetailsSection = 5;

    /// <summary>A request's details: id 8, retries 4, age of the taken Remove 8 (-1 for never).</summary>
    public const int RequestDetailSize = 20;

    /// <summary>A guest call: index 4, kind 1, status 4, age 8.</summary>
    public const int GuestCallSize = 17;

    public const int MachinePayloadSize = 21;

    public const byte MachineNegotiated = 1;

    public const int ConnectorRecordSize = 7;

    public const int CursorSize = 4;

    public const byte ConnectorHasDevice = 1;

    public const byte ConnectorUnplugPending = 2;

    public const byte ConnectorHasCursor = 4;

    public const int ConnectorIndicatorShift = 4;

    public const byte ConnectorReservedBits = 0b1100_1000;

    /// <summary>An unplug record without its runs.</summary>
    public const int UnplugRecordSize = 45;

    public const int RunSize = 8;

    public const byte UnplugTimedOut = 1;

    public const byte UnplugTimerRunning = 2;

    public const byte UnplugReservedBits = 0b1111_1100;

    public const int EventRecordSize = 24;

    public const byte EpowClass = 1;

    public const byte HotplugClass = 3;

    /// <summary>The size of a stream with nothing but the machine section: what an all-default machine costs.</summary>
    public const int MinimalStreamSize = HeaderSize + SectionHeaderSize + MachinePayloadSize + TrailerSize;

    /// <summary>Writes a section header: id, required flag, payload length.</summary>
    public static void WriteSectionHeader(Span<byte> header, ushort id, bool required, long payloadLength)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(header, id);
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], required ? SectionRequired : (ushort)0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], checked((uint)payloadLength));
    }
}
