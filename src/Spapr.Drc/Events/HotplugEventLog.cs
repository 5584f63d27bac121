using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Spapr.Drc;

/// <summary>
/// A hotplug event's 116-byte RTAS error log, read back: what check-exception wrote into the guest's buffer (SPEC
/// section 4), for emulator tests and debugging. <see cref="Parse"/> checks every byte (fixed fields, reserved zeros,
/// BCD date and time, the payload's shape) and refuses anything that is not such a log with a message that says what
/// and where. Immutable, with value equality.
/// </summary>
/// <remarks>
/// QEMU 7.2 writes the platform log id in host byte order; on a little-endian host its logs parse with
/// <see cref="LogId"/> byte-swapped (the library writes it big-endian like every other field).
/// </remarks>
public sealed record HotplugEventLog
{
    /// <summary>The length of the log: an 8-byte header and 108 bytes of extended log.</summary>
    public const int Length = RtasEventLog.Length;

    // Offsets of the log (SPEC section 4).
    private const int MainA = 24;
    private const int MainB = 72;
    private const int Hp = 96;
    private const int DateAt = MainA + 8;
    private const int TimeAt = MainA + 12;
    private const int LogIdAt = MainA + 40;
    private const int TypeAt = Hp + 8;
    private const int ActionAt = Hp + 9;
    private const int IdentifierAt = Hp + 10;
    private const int PayloadAt = Hp + 12;

    /// <summary>The bytes every hotplug log has, the variable fields zero.</summary>
    private static readonly byte[] Template = CreateTemplate();

    private HotplugEventLog(HotplugType type, HotplugAction action, HotplugIdentifier identifier, DrcIndex? index, uint count, uint logId, DateTimeOffset createdAt)
    {
        Type = type;
        Action = action;
        Identifier = identifier;
        Index = index;
        Count = count;
        LogId = logId;
        CreatedAt = createdAt;
    }

    /// <summary>The hotplug type (HP section byte 8).</summary>
    public HotplugType Type { get; }

    /// <summary>Add or remove (HP section byte 9).</summary>
    public HotplugAction Action { get; }

    /// <summary>How the payload names the connectors (HP section byte 10).</summary>
    public HotplugIdentifier Identifier { get; }

    /// <summary>The (first) connector; <see langword="null"/> for <see cref="HotplugIdentifier.DrcCount"/>.</summary>
    public DrcIndex? Index { get; }

    /// <summary>The number of connectors; 1 for by-index events, as <see cref="HotplugEvent.Count"/>.</summary>
    public uint Count { get; }

    /// <summary>The platform log id (Main-A section, byte 40).</summary>
    public uint LogId { get; }

    /// <summary>The creation date and time (Main-A section, BCD), UTC, to the second.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>Reads a hotplug event log.</summary>
    /// <param name="log">The log; only the first <see cref="Length"/> bytes are read, so a whole check-exception buffer may be passed.</param>
    /// <returns>The log's fields.</returns>
    /// <exception cref="FormatException">The bytes are not a hotplug event log; the message says which field is wrong and where.</exception>
    public static HotplugEventLog Parse(ReadOnlySpan<byte> log) =>
        TryParse(log, out var result, out string? error) ? result : throw new FormatException(error);

    /// <summary>Reads a hotplug event log, or says it is not one.</summary>
    /// <param name="log">The log; only the first <see cref="Length"/> bytes are read.</param>
    /// <param name="result">The log's fields, or <see langword="null"/>.</param>
    /// <returns>Whether the bytes are a hotplug event log.</returns>
    public static bool TryParse(ReadOnlySpan<byte> log, [NotNullWhen(true)] out HotplugEventLog? result) =>
        TryParse(log, out result, out _);

    /// <summary>"add cpu by drc-index 0x10000001 (log id 1, created 2024-03-15 14:07:09Z)".</summary>
    /// <returns>The description.</returns>
    public override string ToString()
    {
        string by = Identifier switch
        {
            HotplugIdentifier.DrcIndex => $"by drc-index {Index}",
            HotplugIdentifier.DrcCount => string.Create(CultureInfo.InvariantCulture, $"by count {Count}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"count-indexed {Count} from {Index}"),
        };
        string action = Action == HotplugAction.Add ? "add" : "remove";
        return string.Create(CultureInfo.InvariantCulture, $"{action} {Type.ToString().ToLowerInvariant()} {by} (log id {LogId}, created {CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z)");
    }

    private static bool TryParse(ReadOnlySpan<byte> log, [NotNullWhen(true)] out HotplugEventLog? result, [NotNullWhen(false)] out string? error)
    {
        result = null;
        if (log.Length < Length)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"Not a hotplug event log: {log.Length} bytes, a hotplug event log has {Length}.");
            return false;
        }

        log = log[..Length];
        uint summary = BinaryPrimitives.ReadUInt32BigEndian(log);
        if (summary != RtasEventLog.Summary)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"Not a hotplug event log: the summary word (byte 0) is 0x{summary:X8}, a version 6 hotplug event has 0x{RtasEventLog.Summary:X8}.");
            return false;
        }

        uint extended = BinaryPrimitives.ReadUInt32BigEndian(log[4..]);
        if (extended != RtasEventLog.ExtendedLength)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"Not a hotplug event log: the extended length (byte 4) is {extended}, a hotplug event has {RtasEventLog.ExtendedLength}.");
            return false;
        }

        // Every byte but the variable fields is fixed (section ids, lengths, versions, flags, reserved zeros).
        for (int i = 8; i < Length; i++)
        {
            if (!IsVariable(i) && log[i] != Template[i])
            {
                error = string.Create(CultureInfo.InvariantCulture, $"Not a hotplug event log: byte {i} ({SectionOf(i)}) is 0x{log[i]:X2}, expected 0x{Template[i]:X2}.");
                return false;
            }
        }

        if (!TryReadCreation(log, out var createdAt, out error)
            || !TryReadKinds(log, out var type, out var action, out var identifier, out error)
            || !TryReadPayload(log, type, identifier, out var index, out uint count, out error))
        {
            return false;
        }

        result = new HotplugEventLog(type, action, identifier, index, count, BinaryPrimitives.ReadUInt32BigEndian(log[LogIdAt..]), createdAt);
        return true;
    }

    private static bool TryReadCreation(ReadOnlySpan<byte> log, out DateTimeOffset createdAt, [NotNullWhen(false)] out string? error)
    {
        createdAt = default;
        uint date = BinaryPrimitives.ReadUInt32BigEndian(log[DateAt..]);
        uint time = BinaryPrimitives.ReadUInt32BigEndian(log[TimeAt..]);
        if (!IsBcd(date) || !IsBcd(time) || (time & 0xFF) != 0)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"Not a hotplug event log: the creation date 0x{date:X8} (byte {DateAt}) or time 0x{time:X8} (byte {TimeAt}) is not BCD 0xCCYYMMDD / 0xHHMMSS00.");
            return false;
        }

        int year = (Bcd(date >> 24) * 100) + Bcd(date >> 16);
        int month = Bcd(date >> 8), day = Bcd(date), hour = Bcd(time >> 24), minute = Bcd(time >> 16), second = Bcd(time >> 8);
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"Not a hotplug event log: the creation date and time {year:D4}-{month:D2}-{day:D2} {hour:D2}:{minute:D2}:{second:D2} (bytes {DateAt}-{TimeAt + 3}) do not exist.");
            return false;
        }

        createdAt = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
        error = null;
        return true;
    }

    private static bool TryReadKinds(ReadOnlySpan<byte> log, out HotplugType type, out HotplugAction action, out HotplugIdentifier identifier, [NotNullWhen(false)] out string? error)
    {
        type = (HotplugType)log[TypeAt];
        action = (HotplugAction)log[ActionAt];
        identifier = (HotplugIdentifier)log[IdentifierAt];
        error = !Enum.IsDefined(type)
            ? string.Create(CultureInfo.InvariantCulture, $"Not a hotplug event log: hotplug type {log[TypeAt]} (byte {TypeAt}) is none of CPU 1, memory 2, PHB 4, PCI 5, PMEM 6.")
            : !Enum.IsDefined(action)
                ? string.Create(CultureInfo.InvariantCulture, $"Not a hotplug event log: action {log[ActionAt]} (byte {ActionAt}) is neither add 1 nor remove 2.")
                : !Enum.IsDefined(identifier)
                    ? string.Create(CultureInfo.InvariantCulture, $"Not a hotplug event log: identifier {log[IdentifierAt]} (byte {IdentifierAt}) is none of drc-index 2, drc-count 3, drc-count-indexed 4.")
                    : null;
        return error is null;
    }

    private static bool TryReadPayload(ReadOnlySpan<byte> log, HotplugType type, HotplugIdentifier identifier, out DrcIndex? index, out uint count, [NotNullWhen(false)] out string? error)
    {
        index = null;
        uint first = BinaryPrimitives.ReadUInt32BigEndian(log[PayloadAt..]);
        uint second = BinaryPrimitives.ReadUInt32BigEndian(log[(PayloadAt + 4)..]);
        uint rawIndex = identifier == HotplugIdentifier.DrcCountIndexed ? second : first;
        count = identifier == HotplugIdentifier.DrcIndex ? 1 : first;
        if (identifier != HotplugIdentifier.DrcCountIndexed && second != 0)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"Not a hotplug event log: the second payload word (byte {PayloadAt + 4}) is 0x{second:X8}; only a count-indexed payload has one.");
            return false;
        }

        if (count == 0)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"Not a hotplug event log: the count (byte {PayloadAt}) is 0.");
            return false;
        }

        if (identifier != HotplugIdentifier.DrcCount)
        {
            if (!DrcIndex.TryFromValue(rawIndex, out var parsed) || parsed.Type != ConnectorTypeOf(type))
            {
                error = string.Create(CultureInfo.InvariantCulture, $"Not a hotplug event log: the payload index 0x{rawIndex:X8} is not the index of a {ConnectorTypeOf(type)} connector, which a {type} event names.");
                return false;
            }

            index = parsed;
        }

        error = null;
        return true;
    }

    private static DrcType ConnectorTypeOf(HotplugType type) => type switch
    {
        HotplugType.Cpu => DrcType.Cpu,
        HotplugType.Memory => DrcType.Lmb,
        HotplugType.Phb => DrcType.Phb,
        HotplugType.Pci => DrcType.Pci,
        _ => DrcType.Pmem,
    };

    private static bool IsVariable(int offset) =>
        offset is (>= DateAt and < TimeAt + 3) or (>= LogIdAt and < LogIdAt + 4) or TypeAt or ActionAt or IdentifierAt or >= PayloadAt;

    private static string SectionOf(int offset) => offset switch
    {
        < 8 => "header",
        < MainA => "v6 header",
        < MainB => string.Create(CultureInfo.InvariantCulture, $"Main-A section +{offset - MainA}"),
        < Hp => string.Create(CultureInfo.InvariantCulture, $"Main-B section +{offset - MainB}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"HP section +{offset - Hp}"),
    };

    private static bool IsBcd(uint value)
    {
        for (int shift = 0; shift < 32; shift += 4)
        {
            if (((value >> shift) & 0xF) > 9)
            {
                return false;
            }
        }

        return true;
    }

    private static int Bcd(uint value) => (int)((((value >> 4) & 0xF) * 10) + (value & 0xF));

    private static byte[] CreateTemplate()
    {
        // The writer's own output for a zero event, so the fixed bytes can never drift from what it writes.
        var template = new byte[Length];
        RtasEventLog.Write(new HotplugEventRecord(HotplugType.Cpu, HotplugAction.Add, HotplugIdentifier.DrcIndex, 0, 1, RtasEventClasses.None, 0, new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks), template);
        return template;
    }
}
