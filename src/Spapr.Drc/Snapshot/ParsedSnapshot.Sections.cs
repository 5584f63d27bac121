using System.Buffers;

namespace Spapr.Drc;

/// <summary>The parsing of each section: every field range checked, records in pooled arrays.</summary>
internal sealed partial class ParsedSnapshot
{
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
