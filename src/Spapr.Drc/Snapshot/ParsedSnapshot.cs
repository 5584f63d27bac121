using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;

namespace Spapr.Drc;

/// <summary>
/// A snapshot checked for everything that does not depend on the destination: header, checksum, section framing,
/// field ranges, record order. Its records are immutable flat structs in pooled arrays (nothing is allocated per
/// record); <see cref="SnapshotValidator"/> checks them against the destination into a separate <see cref="SnapshotPlan"/>.
/// </summary>
internal sealed class ParsedSnapshot : IDisposable
{
    private ParsedSnapshot()
    {
    }

    public int MachineOffset { get; private set; } = -1;

    public uint NextLogId { get; private set; }

    public long NextRequestId { get; private set; }

    public uint ConnectorCount { get; private set; }

    public uint DeviceCount { get; private set; }

    public bool Negotiated { get; private set; }

    public ConnectorRecord[] Connectors { get; private set; } = [];

    public int ConnectorRecordCount { get; private set; }

    public UnplugRecord[] Unplugs { get; private set; } = [];

    public int UnplugCount { get; private set; }

    /// <summary>Runs of both kinds of every unplug record as (first index, count) pairs.</summary>
    public uint[] Runs { get; private set; } = [];

    public HotplugEventRecord[] Events { get; private set; } = [];

    public int EventCount { get; private set; }

    public int EventsOffset { get; private set; }

    public static ParsedSnapshot Parse(ReadOnlySpan<byte> stream)
    {
        var parsed = new ParsedSnapshot();
        try
        {
            parsed.ParseStream(stream);
            return parsed;
        }
        catch
        {
            parsed.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The position of the connector record for <paramref name="index"/>, or -1. Unplug records list their
    /// connectors in index order, as the connector records are, so the record after the last one found is
    /// tried first; anything else is a binary search.
    /// </summary>
    public int FindConnectorRecord(uint index, ref int hint)
    {
        if ((uint)hint < (uint)ConnectorRecordCount && Connectors[hint].Index == index)
        {
            return hint++;
        }

        int found = FindConnectorRecord(index);
        if (found >= 0)
        {
            hint = found + 1;
        }

        return found;
    }

    public int FindConnectorRecord(uint index)
    {
        int lo = 0;
        int hi = ConnectorRecordCount - 1;
        while (lo <= hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            uint value = Connectors[mid].Index;
            if (value == index)
            {
                return mid;
            }

            if (value < index)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return -1;
    }

    public void Dispose()
    {
        // The records hold no references, so the pooled arrays go back without clearing.
        if (Connectors.Length > 0)
        {
            ArrayPool<ConnectorRecord>.Shared.Return(Connectors);
            Connectors = [];
        }

        if (Unplugs.Length > 0)
        {
            ArrayPool<UnplugRecord>.Shared.Return(Unplugs);
            Unplugs = [];
        }

        if (Events.Length > 0)
        {
            ArrayPool<HotplugEventRecord>.Shared.Return(Events);
            Events = [];
        }

        if (Runs.Length > 0)
        {
            ArrayPool<uint>.Shared.Return(Runs);
            Runs = [];
        }
    }

    private static DrcSnapshotException Refuse(string reason, int offset) => new(reason, offset);

    private void ParseStream(ReadOnlySpan<byte> s)
    {
        if (s.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(s) != SnapshotFormat.Magic)
        {
            throw Refuse($"not a DRC snapshot (magic 0x{BinaryPrimitives.ReadUInt32LittleEndian(s):X8}, expected 0x{SnapshotFormat.Magic:X8}).", 0);
        }

        if (s.Length < SnapshotFormat.HeaderSize + SnapshotFormat.TrailerSize)
        {
            throw Refuse($"the stream is {s.Length} bytes, shorter than the {SnapshotFormat.HeaderSize + SnapshotFormat.TrailerSize} of an empty snapshot (truncated).", s.Length);
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(s[4..]);
        if (version == 0 || version > SnapshotFormat.Version)
        {
            throw Refuse(version == 0
                ? "format version 0 does not exist."
                : $"format version {version} is newer than this reader's {SnapshotFormat.Version}.", 4);
        }

        ushort headerFlags = BinaryPrimitives.ReadUInt16LittleEndian(s[6..]);
        if (headerFlags != 0)
        {
            throw Refuse($"header flags 0x{headerFlags:X4} are reserved and must be zero.", 6);
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(s[8..]);
        if (length != (uint)s.Length)
        {
            throw length > (uint)s.Length
                ? Refuse($"truncated: the header says {length} bytes, the stream has {s.Length}.", s.Length)
                : Refuse($"the header says {length} bytes but the stream has {s.Length}.", length < SnapshotFormat.HeaderSize ? 8 : (int)length);
        }

        int end = s.Length - SnapshotFormat.TrailerSize;
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(s[end..]);
        uint computed = Crc32.HashToUInt32(s[..end]);
        if (stored != computed)
        {
            throw Refuse($"checksum mismatch (stored 0x{stored:X8}, computed 0x{computed:X8}): the stream is corrupt.", end);
        }

        bool sawConnectors = false;
        bool sawUnplugs = false;
        bool sawEvents = false;
        int position = SnapshotFormat.HeaderSize;
        while (position < end)
        {
            if (end - position < SnapshotFormat.SectionHeaderSize)
            {
                throw Refuse($"{end - position} bytes before the checksum are too few for a section header.", position);
            }

            ushort id = BinaryPrimitives.ReadUInt16LittleEndian(s[position..]);
            ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(s[(position + 2)..]);
            uint payloadLength = BinaryPrimitives.ReadUInt32LittleEndian(s[(position + 4)..]);
            int payloadOffset = position + SnapshotFormat.SectionHeaderSize;
            if (payloadLength > (uint)(end - payloadOffset))
            {
                throw Refuse($"section {id} claims {payloadLength} bytes, only {end - payloadOffset} remain before the checksum.", position + 4);
            }

            var payload = s.Slice(payloadOffset, (int)payloadLength);
            switch (id)
            {
                case SnapshotFormat.MachineSection:
                    Once(MachineOffset >= 0, id, position);
                    ParseMachine(new SnapshotReader(payload, payloadOffset, "the machine section"));
                    MachineOffset = payloadOffset;
                    break;
                case SnapshotFormat.ConnectorsSection:
                    Once(sawConnectors, id, position);
                    sawConnectors = true;
                    ParseConnectors(new SnapshotReader(payload, payloadOffset, "the connectors section"));
                    break;
                case SnapshotFormat.UnplugsSection:
                    Once(sawUnplugs, id, position);
                    sawUnplugs = true;
                    ParseUnplugs(new SnapshotReader(payload, payloadOffset, "the unplugs section"));
                    break;
                case SnapshotFormat.EventsSection:
                    Once(sawEvents, id, position);
                    sawEvents = true;
                    EventsOffset = payloadOffset;
                    ParseEvents(new SnapshotReader(payload, payloadOffset, "the events section"));
                    break;
                default:
                    if ((flags & SnapshotFormat.SectionRequired) != 0)
                    {
                        throw Refuse($"unknown required section {id} (written by a newer version).", position);
                    }

                    // An optional section this reader does not know: a later addition that older readers may skip.
                    break;
            }

            position = payloadOffset + (int)payloadLength;
        }

        if (MachineOffset < 0)
        {
            throw Refuse("the machine section is missing.", end);
        }

        static void Once(bool seen, ushort id, int position)
        {
            if (seen)
            {
                throw Refuse($"section {id} appears twice.", position);
            }
        }
    }

    private void ParseMachine(SnapshotReader r)
    {
        NextLogId = r.ReadUInt32();
        int at = r.Offset;
        NextRequestId = r.ReadInt64();
        if (NextRequestId < 0)
        {
            throw Refuse($"request id counter {NextRequestId} is negative.", at);
        }

        ConnectorCount = r.ReadUInt32();
        DeviceCount = r.ReadUInt32();
        at = r.Offset;
        byte flags = r.ReadByte();
        if ((flags & ~SnapshotFormat.MachineNegotiated) != 0)
        {
            throw Refuse($"machine flags 0x{flags:X2} use reserved bits.", at);
        }

        Negotiated = (flags & SnapshotFormat.MachineNegotiated) != 0;
        r.ExpectEnd();
    }

    private void ParseConnectors(SnapshotReader r)
    {
        int count = r.CheckCount(r.ReadUInt32(), SnapshotFormat.ConnectorRecordSize, "connector records");
        Connectors = count == 0 ? [] : ArrayPool<ConnectorRecord>.Shared.Rent(count);
        long previous = -1;
        for (int i = 0; i < count; i++)
        {
            int at = r.Offset;
            uint index = r.ReadUInt32();
            byte type = r.ReadByte();
            var state = (DrcState)r.ReadByte();
            byte flags = r.ReadByte();
            if (index <= previous)
            {
                throw Refuse($"connector 0x{index:X8} is out of index order (duplicate or unsorted record).", at);
            }

            if ((flags & SnapshotFormat.ConnectorReservedBits) != 0)
            {
                throw Refuse($"connector 0x{index:X8} flags 0x{flags:X2} use reserved bits.", at + 6);
            }

            int cursor = 0;
            if ((flags & SnapshotFormat.ConnectorHasCursor) != 0)
            {
                int cursorAt = r.Offset;
                uint raw = r.ReadUInt32();
                if (raw == 0 || raw > int.MaxValue)
                {
                    throw Refuse($"connector 0x{index:X8} configure-connector cursor {raw} is out of range.", cursorAt);
                }

                cursor = (int)raw;
            }

            previous = index;
            Connectors[i] = new ConnectorRecord(at, index, type, state, flags, cursor);
            ConnectorRecordCount = i + 1;
        }

        r.ExpectEnd();
    }

    private void ParseUnplugs(SnapshotReader r)
    {
        int count = r.CheckCount(r.ReadUInt32(), SnapshotFormat.UnplugRecordSize + (2 * SnapshotFormat.RunSize), "unplug records");
        if (count == 0)
        {
            r.ExpectEnd();
            return;
        }

        Unplugs = ArrayPool<UnplugRecord>.Shared.Rent(count);
        Runs = ArrayPool<uint>.Shared.Rent(2 * (r.Remaining / SnapshotFormat.RunSize));
        int runWords = 0;
        for (int i = 0; i < count; i++)
        {
            int offset = r.Offset;
            uint primary = r.ReadUInt32();
            long id = r.ReadInt64();
            byte flags = r.ReadByte();
            long timeoutTicks = r.ReadInt64();
            long leftTicks = r.ReadInt64();
            long ageTicks = r.ReadInt64();
            uint allRuns = r.ReadUInt32();
            uint pendingRuns = r.ReadUInt32();
            var record = new UnplugRecord(offset, primary, id, flags, timeoutTicks, leftTicks, ageTicks, 0, 0, 0, 0);
            CheckUnplugFields(record);
            if (allRuns == 0 || pendingRuns == 0)
            {
                throw Refuse($"unplug request {record.Id} lists no connectors.", r.Offset - 8);
            }

            if ((ulong)allRuns + pendingRuns > (ulong)(r.Remaining / SnapshotFormat.RunSize))
            {
                throw Refuse($"unplug request {record.Id} claims {(ulong)allRuns + pendingRuns} runs, more than the section holds.", r.Offset - 8);
            }

            // Both counts fit in what the section holds (checked above), so the run positions below cannot overflow.
            record = record with { AllRunStart = runWords, AllRuns = (int)allRuns, PendingRunStart = runWords + (2 * (int)allRuns), PendingRuns = (int)pendingRuns };
            Unplugs[i] = record;
            for (long k = 0; k < (long)allRuns + pendingRuns; k++)
            {
                int runAt = r.Offset;
                uint first = r.ReadUInt32();
                uint length = r.ReadUInt32();
                if (length == 0 || (ulong)first + length - 1 > uint.MaxValue)
                {
                    throw Refuse($"unplug request {record.Id} has a run of {length} connectors from 0x{first:X8}.", runAt);
                }

                Runs[runWords++] = first;
                Runs[runWords++] = length;
            }

            UnplugCount = i + 1;
        }

        r.ExpectEnd();
    }

    private static void CheckUnplugFields(in UnplugRecord u)
    {
        if (u.Id <= 0)
        {
            throw Refuse($"unplug request id {u.Id} is not positive.", u.Offset + 4);
        }

        if ((u.Flags & SnapshotFormat.UnplugReservedBits) != 0)
        {
            throw Refuse($"unplug request {u.Id} flags 0x{u.Flags:X2} use reserved bits.", u.Offset + 12);
        }

        bool running = (u.Flags & SnapshotFormat.UnplugTimerRunning) != 0;
        if (running && (u.Flags & SnapshotFormat.UnplugTimedOut) != 0)
        {
            throw Refuse($"unplug request {u.Id} both timed out and has a running timer.", u.Offset + 12);
        }

        bool infinite = u.TimeoutTicks == Timeout.InfiniteTimeSpan.Ticks;
        if (!infinite && (u.TimeoutTicks <= 0 || u.TimeoutTicks > DrcOptions.MaxUnplugTimeout.Ticks))
        {
            throw Refuse($"unplug request {u.Id} timeout of {u.TimeoutTicks} ticks is out of range.", u.Offset + 13);
        }

        if (running ? infinite || u.LeftTicks < 0 || u.LeftTicks > u.TimeoutTicks : u.LeftTicks != 0)
        {
            throw Refuse($"unplug request {u.Id} time left of {u.LeftTicks} ticks does not fit its timeout and timer.", u.Offset + 21);
        }

        if (u.AgeTicks < 0)
        {
            throw Refuse($"unplug request {u.Id} age of {u.AgeTicks} ticks is negative.", u.Offset + 29);
        }
    }

    private void ParseEvents(SnapshotReader r)
    {
        int count = r.CheckCount(r.ReadUInt32(), SnapshotFormat.EventRecordSize, "event records");
        var events = count == 0 ? [] : ArrayPool<HotplugEventRecord>.Shared.Rent(count);
        Events = events;
        for (int i = 0; i < count; i++)
        {
            int at = r.Offset;
            byte type = r.ReadByte();
            byte action = r.ReadByte();
            byte identifier = r.ReadByte();
            byte eventClass = r.ReadByte();
            uint index = r.ReadUInt32();
            uint n = r.ReadUInt32();
            uint logId = r.ReadUInt32();
            long ticks = r.ReadInt64();
            if (type is not (1 or 2 or 4 or 5 or 6))
            {
                throw Refuse($"event {i} has hotplug type {type}.", at);
            }

            if (action is not (1 or 2))
            {
                throw Refuse($"event {i} has action {action}.", at + 1);
            }

            if (identifier is not (2 or 3 or 4))
            {
                throw Refuse($"event {i} has identifier {identifier}.", at + 2);
            }

            if (eventClass is not (SnapshotFormat.EpowClass or SnapshotFormat.HotplugClass))
            {
                throw Refuse($"event {i} has event class {eventClass}.", at + 3);
            }

            if (identifier == 3 ? index != 0 : false)
            {
                throw Refuse($"event {i} identifies by count but carries index 0x{index:X8}.", at + 4);
            }

            if (n == 0 || (identifier == 2 && n != 1) || (identifier == 4 && (ulong)index + n - 1 > uint.MaxValue))
            {
                throw Refuse($"event {i} has a count of {n}.", at + 8);
            }

            if (ticks < 0 || ticks > DateTimeOffset.MaxValue.UtcTicks)
            {
                throw Refuse($"event {i} creation time of {ticks} ticks is out of range.", at + 16);
            }

            events[i] = new HotplugEventRecord(
                (HotplugType)type,
                (HotplugAction)action,
                (HotplugIdentifier)identifier,
                index,
                n,
                eventClass == SnapshotFormat.HotplugClass ? RtasEventClasses.Hotplug : RtasEventClasses.Epow,
                logId,
                ticks);
            EventCount = i + 1;
        }

        r.ExpectEnd();
    }

    /// <summary>One connector record as read.</summary>
    internal readonly record struct ConnectorRecord(int Offset, uint Index, byte Type, DrcState State, byte Flags, int Cursor)
    {
        public bool HasDevice => (Flags & SnapshotFormat.ConnectorHasDevice) != 0;

        public bool UnplugPending => (Flags & SnapshotFormat.ConnectorUnplugPending) != 0;

        public DrIndicator Indicator => (DrIndicator)((Flags >> SnapshotFormat.ConnectorIndicatorShift) & 3);
    }

    /// <summary>One unplug record as read; its runs are pairs in <see cref="Runs"/>.</summary>
    internal readonly record struct UnplugRecord(int Offset, uint Primary, long Id, byte Flags, long TimeoutTicks, long LeftTicks, long AgeTicks, int AllRunStart, int AllRuns, int PendingRunStart, int PendingRuns)
    {
        public bool TimedOut => (Flags & SnapshotFormat.UnplugTimedOut) != 0;

        public bool TimerRunning => (Flags & SnapshotFormat.UnplugTimerRunning) != 0;
    }
}
