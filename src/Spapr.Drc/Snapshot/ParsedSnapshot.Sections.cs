using System.Buffers;
using System.Buffers.Binary;

namespace Spapr.Drc;

/// <summary>The parsing of each section: every field range checked, records in pooled arrays.</summary>
internal sealed partial class ParsedSnapshot
{
    private static readonly long MaxTimeoutTicks = DrcOptions.MaxUnplugTimeout.Ticks;

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

    // The record loops below read a whole record's bytes at once and test every field with plain comparisons; the
    // refusal's sentence is built out of line, only when a test failed (a load parses tens of thousands of records).
    private void ParseConnectors(SnapshotReader r)
    {
        int count = r.CheckCount(r.ReadUInt32(), SnapshotFormat.ConnectorRecordSize, "connector records");
        var records = count == 0 ? [] : ArrayPool<ConnectorRecord>.Shared.Rent(count);
        Connectors = records;
        long previous = -1;
        for (int i = 0; i < count; i++)
        {
            int at = r.Offset;
            var bytes = r.Take(SnapshotFormat.ConnectorRecordSize);
            uint index = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
            byte flags = bytes[6];
            if (index <= previous || (flags & SnapshotFormat.ConnectorReservedBits) != 0)
            {
                throw BadConnector(index, flags, previous, at);
            }

            int cursor = 0;
            if ((flags & SnapshotFormat.ConnectorHasCursor) != 0)
            {
                int cursorAt = r.Offset;
                uint raw = r.ReadUInt32();
                if (raw - 1 >= int.MaxValue)
                {
                    throw Refuse($"connector 0x{index:X8} configure-connector cursor {raw} is out of range.", cursorAt);
                }

                cursor = (int)raw;
            }

            previous = index;
            records[i] = new ConnectorRecord(at, index, bytes[4], (DrcState)bytes[5], flags, cursor);
        }

        ConnectorRecordCount = count;
        r.ExpectEnd();
    }

    private static DrcSnapshotException BadConnector(uint index, byte flags, long previous, int at) => index <= previous
        ? Refuse($"connector 0x{index:X8} is out of index order (duplicate or unsorted record).", at)
        : Refuse($"connector 0x{index:X8} flags 0x{flags:X2} use reserved bits.", at + 6);

    private void ParseUnplugs(SnapshotReader r)
    {
        int count = r.CheckCount(r.ReadUInt32(), SnapshotFormat.UnplugRecordSize + (2 * SnapshotFormat.RunSize), "unplug records");
        if (count == 0)
        {
            r.ExpectEnd();
            return;
        }

        var records = ArrayPool<UnplugRecord>.Shared.Rent(count);
        Unplugs = records;
        var runs = ArrayPool<uint>.Shared.Rent(2 * (r.Remaining / SnapshotFormat.RunSize));
        Runs = runs;
        int runWords = 0;
        for (int i = 0; i < count; i++)
        {
            int offset = r.Offset;
            var bytes = r.Take(SnapshotFormat.UnplugRecordSize);
            long id = BinaryPrimitives.ReadInt64LittleEndian(bytes[4..]);
            byte flags = bytes[12];
            long timeoutTicks = BinaryPrimitives.ReadInt64LittleEndian(bytes[13..]);
            long leftTicks = BinaryPrimitives.ReadInt64LittleEndian(bytes[21..]);
            long ageTicks = BinaryPrimitives.ReadInt64LittleEndian(bytes[29..]);
            uint allRuns = BinaryPrimitives.ReadUInt32LittleEndian(bytes[37..]);
            uint pendingRuns = BinaryPrimitives.ReadUInt32LittleEndian(bytes[41..]);
            var record = new UnplugRecord(offset, BinaryPrimitives.ReadUInt32LittleEndian(bytes), id, flags, timeoutTicks, leftTicks, ageTicks, 0, 0, 0, 0);
            if (!FieldsFit(record))
            {
                throw BadUnplugFields(record);
            }

            if (allRuns == 0 || pendingRuns == 0)
            {
                throw Refuse($"unplug request {id} lists no connectors.", r.Offset - 8);
            }

            ulong runCount = (ulong)allRuns + pendingRuns;
            if (runCount > (ulong)(r.Remaining / SnapshotFormat.RunSize))
            {
                throw Refuse($"unplug request {id} claims {runCount} runs, more than the section holds.", r.Offset - 8);
            }

            // Both counts fit in what the section holds (checked above), so the run positions below cannot overflow.
            records[i] = record with { AllRunStart = runWords, AllRuns = (int)allRuns, PendingRunStart = runWords + (2 * (int)allRuns), PendingRuns = (int)pendingRuns };
            int runsAt = r.Offset;
            var runBytes = r.Take((int)runCount * SnapshotFormat.RunSize);
            for (int k = 0; k < (int)runCount; k++)
            {
                uint first = BinaryPrimitives.ReadUInt32LittleEndian(runBytes[(k * 8)..]);
                uint length = BinaryPrimitives.ReadUInt32LittleEndian(runBytes[((k * 8) + 4)..]);
                if (length == 0 || (ulong)first + length - 1 > uint.MaxValue)
                {
                    throw Refuse($"unplug request {id} has a run of {length} connectors from 0x{first:X8}.", runsAt + (k * 8));
                }

                runs[runWords++] = first;
                runs[runWords++] = length;
            }

            UnplugCount = i + 1;
        }

        r.ExpectEnd();
    }

    private static bool FieldsFit(in UnplugRecord u)
    {
        bool running = (u.Flags & SnapshotFormat.UnplugTimerRunning) != 0;
        bool infinite = u.TimeoutTicks == Timeout.InfiniteTimeSpan.Ticks;
        return u.Id > 0
            && (u.Flags & SnapshotFormat.UnplugReservedBits) == 0
            && !(running && (u.Flags & SnapshotFormat.UnplugTimedOut) != 0)
            && (infinite || (u.TimeoutTicks > 0 && u.TimeoutTicks <= MaxTimeoutTicks))
            && (running ? !infinite && u.LeftTicks >= 0 && u.LeftTicks <= u.TimeoutTicks : u.LeftTicks == 0)
            && u.AgeTicks >= 0;
    }

    /// <summary>The refusal for the first of <see cref="FieldsFit"/>'s tests that failed.</summary>
    private static DrcSnapshotException BadUnplugFields(in UnplugRecord u)
    {
        if (u.Id <= 0)
        {
            return Refuse($"unplug request id {u.Id} is not positive.", u.Offset + 4);
        }

        if ((u.Flags & SnapshotFormat.UnplugReservedBits) != 0)
        {
            return Refuse($"unplug request {u.Id} flags 0x{u.Flags:X2} use reserved bits.", u.Offset + 12);
        }

        bool running = (u.Flags & SnapshotFormat.UnplugTimerRunning) != 0;
        if (running && (u.Flags & SnapshotFormat.UnplugTimedOut) != 0)
        {
            return Refuse($"unplug request {u.Id} both timed out and has a running timer.", u.Offset + 12);
        }

        bool infinite = u.TimeoutTicks == Timeout.InfiniteTimeSpan.Ticks;
        if (!infinite && (u.TimeoutTicks <= 0 || u.TimeoutTicks > MaxTimeoutTicks))
        {
            return Refuse($"unplug request {u.Id} timeout of {u.TimeoutTicks} ticks is out of range.", u.Offset + 13);
        }

        return u.AgeTicks < 0
            ? Refuse($"unplug request {u.Id} age of {u.AgeTicks} ticks is negative.", u.Offset + 29)
            : Refuse($"unplug request {u.Id} time left of {u.LeftTicks} ticks does not fit its timeout and timer.", u.Offset + 21);
    }

    private void ParseEvents(SnapshotReader r)
    {
        int count = r.CheckCount(r.ReadUInt32(), SnapshotFormat.EventRecordSize, "event records");
        var events = count == 0 ? [] : ArrayPool<HotplugEventRecord>.Shared.Rent(count);
        Events = events;
        for (int i = 0; i < count; i++)
        {
            int at = r.Offset;
            var bytes = r.Take(SnapshotFormat.EventRecordSize);
            byte type = bytes[0];
            byte action = bytes[1];
            byte identifier = bytes[2];
            byte eventClass = bytes[3];
            uint index = BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]);
            uint n = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
            long ticks = BinaryPrimitives.ReadInt64LittleEndian(bytes[16..]);
            bool fits = type is 1 or 2 or 4 or 5 or 6
                && action is 1 or 2
                && identifier is 2 or 3 or 4
                && eventClass is SnapshotFormat.EpowClass or SnapshotFormat.HotplugClass
                && (identifier != 3 || index == 0)
                && n != 0 && (identifier != 2 || n == 1) && (identifier != 4 || (ulong)index + n - 1 <= uint.MaxValue)
                && (ulong)ticks <= (ulong)DateTimeOffset.MaxValue.UtcTicks;
            if (!fits)
            {
                throw BadEvent(i, at, bytes);
            }

            events[i] = new HotplugEventRecord(
                (HotplugType)type,
                (HotplugAction)action,
                (HotplugIdentifier)identifier,
                index,
                n,
                eventClass == SnapshotFormat.HotplugClass ? RtasEventClasses.Hotplug : RtasEventClasses.Epow,
                BinaryPrimitives.ReadUInt32LittleEndian(bytes[12..]),
                ticks);
        }

        EventCount = count;
        r.ExpectEnd();
    }

    /// <summary>The refusal naming the first field of event <paramref name="i"/> that is out of range.</summary>
    private static DrcSnapshotException BadEvent(int i, int at, ReadOnlySpan<byte> bytes)
    {
        byte type = bytes[0];
        byte action = bytes[1];
        byte identifier = bytes[2];
        byte eventClass = bytes[3];
        uint index = BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]);
        uint n = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        long ticks = BinaryPrimitives.ReadInt64LittleEndian(bytes[16..]);
        if (type is not (1 or 2 or 4 or 5 or 6))
        {
            return Refuse($"event {i} has hotplug type {type}.", at);
        }

        if (action is not (1 or 2))
        {
            return Refuse($"event {i} has action {action}.", at + 1);
        }

        if (identifier is not (2 or 3 or 4))
        {
            return Refuse($"event {i} has identifier {identifier}.", at + 2);
        }

        if (eventClass is not (SnapshotFormat.EpowClass or SnapshotFormat.HotplugClass))
        {
            return Refuse($"event {i} has event class {eventClass}.", at + 3);
        }

        if (identifier == 3 && index != 0)
        {
            return Refuse($"event {i} identifies by count but carries index 0x{index:X8}.", at + 4);
        }

        return (ulong)ticks > (ulong)DateTimeOffset.MaxValue.UtcTicks
            ? Refuse($"event {i} creation time of {ticks} ticks is out of range.", at + 16)
            : Refuse($"event {i} has a count of {n}.", at + 8);
    }

    private void ParseDetails(SnapshotReader r)
    {
        int count = r.CheckCount(r.ReadUInt32(), SnapshotFormat.RequestDetailSize, "request details");
        Details = count == 0 ? [] : ArrayPool<RequestDetailRecord>.Shared.Rent(count);
        for (int i = 0; i < count; i++)
        {
            int at = r.Offset;
            long id = r.ReadInt64();
            uint retries = r.ReadUInt32();
            long takenAge = r.ReadInt64();
            if (retries > int.MaxValue || takenAge < -1)
            {
                throw Refuse($"the details of unplug request {id} are out of range (retries {retries}, Remove taken {takenAge} ticks ago).", at + 8);
            }

            Details[i] = new RequestDetailRecord(at, id, (int)retries, takenAge);
            DetailCount = i + 1;
        }

        int calls = r.CheckCount(r.ReadUInt32(), SnapshotFormat.GuestCallSize, "guest calls");
        Calls = calls == 0 ? [] : ArrayPool<GuestCallRecord>.Shared.Rent(calls);
        for (int i = 0; i < calls; i++)
        {
            int at = r.Offset;
            uint index = r.ReadUInt32();
            byte kind = r.ReadByte();
            int status = unchecked((int)r.ReadUInt32());
            long age = r.ReadInt64();
            if (!Enum.IsDefined((GuestCallKind)kind) || age < 0)
            {
                throw Refuse($"guest call {i} on 0x{index:X8} has kind {kind} and age {age} ticks.", at + 4);
            }

            Calls[i] = new GuestCallRecord(at, index, (GuestCallKind)kind, status, age);
            CallCount = i + 1;
        }

        r.ExpectEnd();
    }
}
