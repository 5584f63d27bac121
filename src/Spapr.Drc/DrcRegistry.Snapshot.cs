using System.Buffers;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Spapr.Drc;

/// <summary>Snapshot save and load (SPEC section 7); the format is described in Snapshot/FORMAT.md.</summary>
public sealed partial class DrcRegistry
{
    /// <summary>
    /// Writes the registry's dynamic state (connector states, pending unplugs and their timers, the hotplug event
    /// queue, the counters) into <paramref name="destination"/>. Devices are not written: the destination machine
    /// creates the same connectors and cold-plugs its own devices before loading. A connector in the state cold plug
    /// gives it (device ready, or empty) with nothing pending and the default DR indicator costs no bytes.
    /// </summary>
    /// <param name="destination">Where the stream goes; written through its spans directly.</param>
    /// <returns>The number of bytes written.</returns>
    public long SaveSnapshot(IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        lock (_sync)
        {
            ThrowIfDisposed();
            return SaveLocked(destination);
        }
    }

    /// <summary>Writes the snapshot to a stream (see <see cref="SaveSnapshot(IBufferWriter{byte})"/>).</summary>
    /// <param name="destination">The stream.</param>
    /// <returns>The number of bytes written.</returns>
    public long SaveSnapshot(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var buffer = new ArrayBufferWriter<byte>();
        long written = SaveSnapshot(buffer);
        destination.Write(buffer.WrittenSpan);
        return written;
    }

    /// <summary>Returns the snapshot as an array (see <see cref="SaveSnapshot(IBufferWriter{byte})"/>).</summary>
    /// <returns>The stream's bytes.</returns>
    public byte[] SaveSnapshot()
    {
        var buffer = new ArrayBufferWriter<byte>();
        SaveSnapshot(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Replaces the registry's dynamic state with a snapshot. The registry must have the same connectors as the
    /// source and the same devices attached (cold plug, from the emulator's own configuration); the stream says
    /// which are pending and in which state. Everything is checked first; on any problem nothing changes.
    /// Unplug requests pending here before the load are dropped without notification, and no notification is
    /// raised for the state the snapshot brings.
    /// </summary>
    /// <param name="snapshot">The stream.</param>
    /// <param name="options">How timers continue; <see langword="null"/> for <see cref="SnapshotTimerMode.ResumeRemaining"/>.</param>
    /// <exception cref="DrcSnapshotException">The stream is corrupt, truncated, foreign, of a newer format, or does not match this registry; nothing changed.</exception>
    public void LoadSnapshot(ReadOnlySpan<byte> snapshot, SnapshotLoadOptions? options)
    {
        var mode = options?.TimerMode ?? SnapshotTimerMode.ResumeRemaining;
        if (mode is not (SnapshotTimerMode.ResumeRemaining or SnapshotTimerMode.RestartFull))
        {
            throw new ArgumentOutOfRangeException(nameof(options), mode, "Unknown timer mode.");
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        using var parsed = ParsedSnapshot.Parse(snapshot);
        try
        {
            lock (_sync)
            {
                ThrowIfDisposed();
                var now = TimeProvider.GetUtcNow();
                var detach = new List<SpaprDrc>();
                ValidateSnapshotLocked(parsed, now, detach);
                ApplySnapshotLocked(parsed, now, detach, mode);
                AssertInvariantsInDebug();
            }
        }
        finally
        {
            Dispatch();
        }
    }

    /// <summary>Loads a snapshot with the default options (see <see cref="LoadSnapshot(ReadOnlySpan{byte}, SnapshotLoadOptions?)"/>).</summary>
    /// <param name="snapshot">The stream.</param>
    /// <exception cref="DrcSnapshotException">The stream was refused; nothing changed.</exception>
    public void LoadSnapshot(ReadOnlySpan<byte> snapshot) => LoadSnapshot(snapshot, null);

    /// <summary>Loads a snapshot from a stream, read to its end, with the default options.</summary>
    /// <param name="source">The stream.</param>
    /// <exception cref="DrcSnapshotException">The stream was refused; nothing changed.</exception>
    public void LoadSnapshot(Stream source) => LoadSnapshot(source, null);

    /// <summary>Loads a snapshot from a stream, read to its end (see <see cref="LoadSnapshot(ReadOnlySpan{byte}, SnapshotLoadOptions?)"/>).</summary>
    /// <param name="source">The stream.</param>
    /// <param name="options">How timers continue; <see langword="null"/> for <see cref="SnapshotTimerMode.ResumeRemaining"/>.</param>
    /// <exception cref="DrcSnapshotException">The stream was refused; nothing changed.</exception>
    public void LoadSnapshot(Stream source, SnapshotLoadOptions? options)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var copy = new MemoryStream();
        source.CopyTo(copy);
        LoadSnapshot(copy.GetBuffer().AsSpan(0, (int)copy.Length), options);
    }

    private static int CountRuns(List<SpaprDrc> connectors)
    {
        if (connectors.Count == 1)
        {
            return 1;
        }

        int runs = 0;
        uint next = 0;
        foreach (var drc in connectors)
        {
            if (runs == 0 || drc.Index.Value != next)
            {
                runs++;
            }

            next = unchecked(drc.Index.Value + 1);
        }

        return runs;
    }

    private static void WriteRuns(ref SpanRecordWriter writer, List<SpaprDrc> connectors)
    {
        uint first = 0;
        uint length = 0;
        foreach (var drc in connectors)
        {
            uint value = drc.Index.Value;
            if (length > 0 && value == unchecked(first + length))
            {
                length++;
                continue;
            }

            if (length > 0)
            {
                writer.WriteUInt32(first);
                writer.WriteUInt32(length);
            }

            first = value;
            length = 1;
        }

        writer.WriteUInt32(first);
        writer.WriteUInt32(length);
    }

    private static void WriteRuns(ref SpanRecordWriter writer, ImmutableArray<DrcIndex> connectors)
    {
        uint first = 0;
        uint length = 0;
        foreach (var index in connectors)
        {
            uint value = index.Value;
            if (length > 0 && value == unchecked(first + length))
            {
                length++;
                continue;
            }

            if (length > 0)
            {
                writer.WriteUInt32(first);
                writer.WriteUInt32(length);
            }

            first = value;
            length = 1;
        }

        writer.WriteUInt32(first);
        writer.WriteUInt32(length);
    }

    /// <summary>One unplug record: the fixed part (layout in FORMAT.md), then the runs of every and of the waiting connectors.</summary>
    private static void WriteUnplug(ref SpanRecordWriter writer, UnplugRequest request, DateTimeOffset now)
    {
        long left = 0;
        if (request.Deadline is { } deadline)
        {
            left = Math.Clamp((deadline - now).Ticks, 0, request.Timeout.Ticks);
        }

        var record = writer.Take(SnapshotFormat.UnplugRecordSize);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(record, request.Primary.Index.Value);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(record[4..], request.Id);
        record[12] = (byte)((request.TimedOut ? SnapshotFormat.UnplugTimedOut : 0) | (request.Deadline is null ? 0 : SnapshotFormat.UnplugTimerRunning));
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(record[13..], request.Timeout.Ticks);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(record[21..], left);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(record[29..], Math.Max(0, (now - request.RequestedAt).Ticks));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(record[37..], (uint)request.AllConnectorRuns);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(record[41..], (uint)CountRuns(request.Remaining));
        WriteRuns(ref writer, request.AllConnectors);
        WriteRuns(ref writer, request.Remaining);
    }

    private long SaveLocked(IBufferWriter<byte> destination)
    {
        var now = TimeProvider.GetUtcNow();

        // Only connectors that differ from cold plug are written (all pending ones among them), and the change
        // list holds exactly those, in index order: the snapshot costs what changed, not the machine's size.
        // The sizes come out of the same pass, so every section header (and the total in the stream header) is
        // written before its payload.
        var sizes = default(SnapshotSizer);
        var dirty = _changes.Current(ref sizes);
        int records = dirty.Length;
        int cursors = sizes.Cursors;
        int requests = sizes.Requests;
        long runs = sizes.Runs;

        int devices = _changes.DeviceCount;
        long connectorsPayload = records == 0 ? 0 : 4 + ((long)records * SnapshotFormat.ConnectorRecordSize) + ((long)cursors * SnapshotFormat.CursorSize);
        long unplugsPayload = requests == 0 ? 0 : 4 + ((long)requests * SnapshotFormat.UnplugRecordSize) + (runs * SnapshotFormat.RunSize);
        long eventsPayload = _events.Count == 0 ? 0 : 4 + ((long)_events.Count * SnapshotFormat.EventRecordSize);
        long total = SnapshotFormat.MinimalStreamSize
            + (records == 0 ? 0 : SnapshotFormat.SectionHeaderSize + connectorsPayload)
            + (requests == 0 ? 0 : SnapshotFormat.SectionHeaderSize + unplugsPayload)
            + (_events.Count == 0 ? 0 : SnapshotFormat.SectionHeaderSize + eventsPayload);
        if (total > int.MaxValue)
        {
            throw new InvalidOperationException("The snapshot would exceed 2 GiB.");
        }

        var writer = new SnapshotBufferWriter(destination);
        writer.WriteUInt32(SnapshotFormat.Magic);
        writer.WriteUInt16(SnapshotFormat.Version);
        writer.WriteUInt16(0);
        writer.WriteUInt32((uint)total);

        writer.WriteSectionHeader(SnapshotFormat.MachineSection, required: true, SnapshotFormat.MachinePayloadSize);
        writer.WriteUInt32(_nextLogId);
        writer.WriteInt64(_nextRequestId);
        writer.WriteUInt32((uint)_connectors.Count);
        writer.WriteUInt32((uint)devices);
        writer.WriteByte(_hotplugEventsNegotiated ? SnapshotFormat.MachineNegotiated : (byte)0);

        if (records > 0)
        {
            // The connectors and unplugs sections are adjacent and their sizes known: take one span for both and
            // fill them in a single walk over the changed connectors, each request at the first connector it still
            // waits for.
            int connectorsBytes = SnapshotFormat.SectionHeaderSize + (int)connectorsPayload;
            int unplugsBytes = requests == 0 ? 0 : SnapshotFormat.SectionHeaderSize + (int)unplugsPayload;
            var both = writer.Take(connectorsBytes + unplugsBytes);
            var connectorsOut = new SpanRecordWriter(both[..connectorsBytes]);
            var unplugsOut = new SpanRecordWriter(both[connectorsBytes..]);
            connectorsOut.WriteSectionHeader(SnapshotFormat.ConnectorsSection, required: true, connectorsPayload);
            connectorsOut.WriteUInt32((uint)records);
            if (requests > 0)
            {
                unplugsOut.WriteSectionHeader(SnapshotFormat.UnplugsSection, required: true, unplugsPayload);
                unplugsOut.WriteUInt32((uint)requests);
            }

            foreach (var drc in dirty)
            {
                var request = drc.Request;
                int cursor = drc.Cursor;
                var record = connectorsOut.Take(SnapshotFormat.ConnectorRecordSize);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(record, drc.Index.Value);
                record[4] = (byte)drc.Index.TypeNibble;
                record[5] = (byte)drc.State;
                record[6] = (byte)((drc.Attachment is null ? 0 : SnapshotFormat.ConnectorHasDevice)
                    | (request is null ? 0 : SnapshotFormat.ConnectorUnplugPending)
                    | (cursor == 0 ? 0 : SnapshotFormat.ConnectorHasCursor)
                    | ((int)drc.DrIndicator << SnapshotFormat.ConnectorIndicatorShift));
                if (cursor != 0)
                {
                    connectorsOut.WriteUInt32((uint)cursor);
                }

                if (request is not null && ReferenceEquals(request.Remaining[0], drc))
                {
                    WriteUnplug(ref unplugsOut, request, now);
                }
            }

            Debug.Assert(connectorsOut.Position == connectorsBytes && unplugsOut.Position == unplugsBytes, "the sizing pass and the writing disagree");
        }

        if (_events.Count > 0)
        {
            writer.WriteSectionHeader(SnapshotFormat.EventsSection, required: true, eventsPayload);
            writer.WriteUInt32((uint)_events.Count);
            foreach (var e in _events.Items)
            {
                var record = writer.Take(SnapshotFormat.EventRecordSize);
                record[0] = (byte)e.Type;
                record[1] = (byte)e.Action;
                record[2] = (byte)e.Identifier;
                record[3] = e.EventClass == RtasEventClasses.Hotplug ? SnapshotFormat.HotplugClass : SnapshotFormat.EpowClass;
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(record[4..], e.Index.Value);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(record[8..], e.Count);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(record[12..], e.LogId);
                System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(record[16..], e.CreatedAt.UtcTicks);
            }
        }

        writer.Finish();
        return writer.Written;
    }

    private void ValidateSnapshotLocked(ParsedSnapshot p, DateTimeOffset now, List<SpaprDrc> detach)
    {
        if (p.ConnectorCount != (uint)_connectors.Count)
        {
            throw new DrcSnapshotException(string.Create(CultureInfo.InvariantCulture, $"the source machine had {p.ConnectorCount} connectors, this one has {_connectors.Count}."), p.MachineOffset + 12);
        }

        var records = p.Connectors;
        int pendingFlags = 0;
        for (int i = 0; i < p.ConnectorRecordCount; i++)
        {
            ref var record = ref records[i];
            var index = new DrcIndex(record.Index);
            if (!_connectors.TryGetValue(record.Index, out var drc))
            {
                throw new DrcSnapshotException($"connector {index} does not exist on this machine.", record.Offset);
            }

            if (record.Type != index.TypeNibble)
            {
                throw new DrcSnapshotException($"connector {index} is a {drc.Type} connector here, the stream says type {record.Type}.", record.Offset + 4);
            }

            bool validForClass = drc.Class == DrcClass.Logical
                ? record.State is >= DrcState.LogicalUnusable and <= DrcState.LogicalConfigured
                : record.State is DrcState.PhysicalPowerOn or DrcState.PhysicalUnisolate or DrcState.PhysicalConfigured;
            if (!validForClass)
            {
                throw new DrcSnapshotException($"state {(byte)record.State} is not valid for {drc.Name} ({index}), a {drc.Class.ToString().ToLowerInvariant()} connector.", record.Offset + 5);
            }

            if (record.UnplugPending && !record.HasDevice)
            {
                throw new DrcSnapshotException($"{drc.Name} ({index}) is marked unplug-pending but has no device.", record.Offset + 6);
            }

            if (record.HasDevice != drc.Attachment is not null)
            {
                throw new DrcSnapshotException(record.HasDevice
                    ? $"{drc.Name} ({index}) had a device at the source but has none here (attach the destination's devices before loading)."
                    : $"{drc.Name} ({index}) had no device at the source but has one here.", record.Offset + 6);
            }

            if (!record.HasDevice && record.State != DrcTypeInfo.EmptyStateOf(drc.Class))
            {
                throw new DrcSnapshotException($"{drc.Name} ({index}) has no device but state {record.State}.", record.Offset + 5);
            }

            if (drc.Class == DrcClass.Logical && record.Indicator != DrIndicator.Inactive)
            {
                throw new DrcSnapshotException($"{drc.Name} ({index}) is a logical connector with DR indicator {record.Indicator}.", record.Offset + 6);
            }

            if (record.Cursor != 0 && (drc.Attachment?.Flat is not { } flat || record.Cursor >= flat.Tokens.Length))
            {
                throw new DrcSnapshotException($"{drc.Name} ({index}) configure-connector cursor {record.Cursor} is beyond its device-tree fragment here.", record.Offset + 7);
            }

            if (record.UnplugPending)
            {
                pendingFlags++;
            }

            record.Target = drc;
        }

        ValidateUnplugsLocked(p, now, detach, pendingFlags);

        int attached = _changes.DeviceCount;
        if ((uint)(attached - detach.Count) != p.DeviceCount)
        {
            throw new DrcSnapshotException(string.Create(CultureInfo.InvariantCulture, $"the source machine had {p.DeviceCount} connectors with a device, this one has {attached - detach.Count} (the destination must attach the same devices before loading)."), p.MachineOffset + 16);
        }
    }

    private void ValidateUnplugsLocked(ParsedSnapshot p, DateTimeOffset now, List<SpaprDrc> detach, int pendingFlags)
    {
        var records = p.Connectors;
        var runs = p.Runs;
        long budget = 2L * _connectors.Count;
        int claims = 0;
        long[] ids = p.UnplugCount == 0 ? [] : ArrayPool<long>.Shared.Rent(p.UnplugCount);
        int pendingHint = 0;
        try
        {
            for (int k = 0; k < p.UnplugCount; k++)
            {
                ref var u = ref p.Unplugs[k];
                if (u.Id > p.NextRequestId)
                {
                    throw new DrcSnapshotException(string.Create(CultureInfo.InvariantCulture, $"unplug request id {u.Id} is beyond the id counter {p.NextRequestId}."), u.Offset + 4);
                }

                ids[k] = u.Id;
                if (!_connectors.TryGetValue(u.Primary, out var primary))
                {
                    throw new DrcSnapshotException($"unplug request {u.Id} names connector {new DrcIndex(u.Primary)}, which does not exist on this machine.", u.Offset);
                }

                if (u.AgeTicks > now.UtcTicks - DateTimeOffset.MinValue.UtcTicks)
                {
                    throw new DrcSnapshotException($"unplug request {u.Id} is older than this machine's clock can express.", u.Offset + 29);
                }

                if (u.TimerRunning && u.TimeoutTicks > DateTimeOffset.MaxValue.UtcTicks - now.UtcTicks)
                {
                    throw new DrcSnapshotException($"unplug request {u.Id} deadline is beyond this machine's clock.", u.Offset + 13);
                }

                // The connectors still waiting: each must carry the pending flag and belong to this request only.
                long pendingTotal = 0;
                for (int r = 0; r < u.PendingRuns; r++)
                {
                    pendingTotal += runs[u.PendingRunStart + (2 * r) + 1];
                }

                if (pendingTotal > p.ConnectorRecordCount)
                {
                    throw new DrcSnapshotException(string.Create(CultureInfo.InvariantCulture, $"unplug request {u.Id} waits for {pendingTotal} connectors, more than the stream has records."), u.Offset);
                }

                var remaining = new List<SpaprDrc>((int)pendingTotal);
                int firstPendingAt = -1;
                for (int r = 0; r < u.PendingRuns; r++)
                {
                    uint first = runs[u.PendingRunStart + (2 * r)];
                    uint length = runs[u.PendingRunStart + (2 * r) + 1];
                    for (uint m = 0; m < length; m++)
                    {
                        uint value = first + m;
                        int at = p.FindConnectorRecord(value, ref pendingHint);
                        if (at < 0 || !records[at].UnplugPending)
                        {
                            throw new DrcSnapshotException($"unplug request {u.Id} waits for {new DrcIndex(value)}, which the stream does not mark unplug-pending.", u.Offset);
                        }

                        if (records[at].ClaimedBy != 0)
                        {
                            throw new DrcSnapshotException($"{new DrcIndex(value)} is pending in two unplug requests.", u.Offset);
                        }

                        records[at].ClaimedBy = k + 1;
                        firstPendingAt = firstPendingAt < 0 ? at : firstPendingAt;
                        claims++;
                        remaining.Add(records[at].Target!);
                    }
                }

                var group = primary.Type == DrcType.Lmb ? remaining[0].Attachment!.Group : null;
                long allTotal = 0;
                for (int r = 0; r < u.AllRuns; r++)
                {
                    allTotal += runs[u.AllRunStart + (2 * r) + 1];
                }

                budget -= allTotal;
                if (budget < 0)
                {
                    throw new DrcSnapshotException($"unplug request {u.Id} lists more connectors than this machine has.", u.Offset);
                }

                // Runs are never empty and every connector below is stored or refused, so the array ends full.
                var all = new DrcIndex[allTotal];
                int allCount = 0;
                int pendingSeen = 0;
                int released = 0;
                int allHint = firstPendingAt;
                for (int r = 0; r < u.AllRuns; r++)
                {
                    uint first = runs[u.AllRunStart + (2 * r)];
                    uint length = runs[u.AllRunStart + (2 * r) + 1];

                    for (uint m = 0; m < length; m++)
                    {
                        uint value = first + m;
                        int at = p.FindConnectorRecord(value, ref allHint);
                        if (at >= 0 && records[at].ClaimedBy == k + 1)
                        {
                            all[allCount++] = new DrcIndex(value);
                            pendingSeen++;
                            continue;
                        }

                        if (!_connectors.TryGetValue(value, out var member))
                        {
                            throw new DrcSnapshotException($"unplug request {u.Id} covers {new DrcIndex(value)}, which does not exist on this machine.", u.Offset);
                        }

                        all[allCount++] = member.Index;

                        // Released at the source while the rest of its memory device is still pending.
                        if (group is null || at >= 0)
                        {
                            throw new DrcSnapshotException($"unplug request {u.Id} covers {member.Name} ({member.Index}) as released, which does not fit a memory device unplug.", u.Offset);
                        }

                        if (member.Attachment is { } attachment)
                        {
                            if (!ReferenceEquals(attachment.Group, group))
                            {
                                throw new DrcSnapshotException($"{member.Name} ({member.Index}) belongs to another device here than the memory device of unplug request {u.Id}.", u.Offset);
                            }

                            released++;
                            if (!detach.Contains(member))
                            {
                                detach.Add(member);
                            }
                        }
                    }
                }

                if (pendingSeen != remaining.Count || all[0] != primary.Index)
                {
                    throw new DrcSnapshotException($"unplug request {u.Id} waits for connectors outside the device it names.", u.Offset);
                }

                if (group is null)
                {
                    if (remaining.Count != 1 || remaining[0] != primary || all.Length != 1 || primary.Attachment?.Group is not null)
                    {
                        throw new DrcSnapshotException($"unplug request {u.Id} spans several connectors, but {primary.Name} ({primary.Index}) is not part of a memory device.", u.Offset);
                    }
                }
                else
                {
                    int attachedInGroup = 0;
                    foreach (var member in group.Members)
                    {
                        if (ReferenceEquals(member.Attachment?.Group, group))
                        {
                            attachedInGroup++;
                        }
                    }

                    bool sameGroup = true;
                    foreach (var member in remaining)
                    {
                        sameGroup &= ReferenceEquals(member.Attachment?.Group, group);
                    }

                    if (!sameGroup || attachedInGroup != remaining.Count + released)
                    {
                        throw new DrcSnapshotException($"the memory device of unplug request {u.Id} spans other LMBs here than at the source.", u.Offset);
                    }
                }

                u.PrimaryDrc = primary;
                u.Device = group?.Device ?? primary.Attachment!.Device;
                u.Remaining = remaining;
                u.All = ImmutableCollectionsMarshal.AsImmutableArray(all);
            }

            if (claims != pendingFlags)
            {
                for (int i = 0; i < p.ConnectorRecordCount; i++)
                {
                    if (records[i].UnplugPending && records[i].ClaimedBy == 0)
                    {
                        throw new DrcSnapshotException($"{records[i].Target!.Name} ({records[i].Target!.Index}) is marked unplug-pending but no unplug request waits for it.", records[i].Offset + 6);
                    }
                }
            }

            // Ids come out of a save in connector order, usually ascending already: then the sort is skipped.
            if (!IsAscending(ids.AsSpan(0, p.UnplugCount)))
            {
                Array.Sort(ids, 0, p.UnplugCount);
            }

            for (int k = 1; k < p.UnplugCount; k++)
            {
                if (ids[k] == ids[k - 1])
                {
                    throw new DrcSnapshotException(string.Create(CultureInfo.InvariantCulture, $"unplug request id {ids[k]} appears twice."), p.Unplugs[0].Offset);
                }
            }
        }
        finally
        {
            if (ids.Length > 0)
            {
                ArrayPool<long>.Shared.Return(ids);
            }
        }
    }

    private static bool IsAscending(ReadOnlySpan<long> values)
    {
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] < values[i - 1])
            {
                return false;
            }
        }

        return true;
    }

    private void ApplySnapshotLocked(ParsedSnapshot p, DateTimeOffset now, List<SpaprDrc> detach, SnapshotTimerMode mode)
    {
        // Nothing below can fail: every check ran above. First the cold-plug baseline, then what the stream says.
        // Connectors off the change list are in their cold-plug state already; only the listed ones are reset
        // (their setters do not enlist them again, so the list does not move under the loop).
        foreach (var drc in _changes.Enlisted())
        {
            if (drc.Request is { } old)
            {
                old.Ended = true;
                old.Deadline = null;
                old.TimerGeneration++;
                drc.Request = null;
            }

            bool present = drc.Attachment is not null;
            drc.State = present ? DrcTypeInfo.ReadyStateOf(drc.Class) : DrcTypeInfo.EmptyStateOf(drc.Class);
            drc.Cursor = 0;
            if (drc.Class == DrcClass.Physical)
            {
                drc.DrIndicator = present ? DrIndicator.Active : DrIndicator.Inactive;
            }
        }

        _pendingCount = 0;
        foreach (var drc in detach)
        {
            drc.Attachment = null;
            drc.State = DrcTypeInfo.EmptyStateOf(drc.Class);
        }

        var targets = ArrayPool<SpaprDrc>.Shared.Rent(p.ConnectorRecordCount);
        try
        {
            for (int i = 0; i < p.ConnectorRecordCount; i++)
            {
                ref var record = ref p.Connectors[i];
                var drc = record.Target!;
                drc.State = record.State;
                drc.DrIndicator = record.Indicator;
                drc.Cursor = record.Cursor;
                targets[i] = drc;
            }

            // What differs from cold plug now is exactly what the stream listed, in its (index) order.
            _changes.ReplaceWith(targets.AsSpan(0, p.ConnectorRecordCount));
        }
        finally
        {
            Array.Clear(targets, 0, p.ConnectorRecordCount);
            ArrayPool<SpaprDrc>.Shared.Return(targets);
        }

        var restored = new UnplugRequest[p.UnplugCount];
        for (int k = 0; k < p.UnplugCount; k++)
        {
            ref var u = ref p.Unplugs[k];
            var request = new UnplugRequest(u.Id, u.PrimaryDrc!, u.Device!, u.Remaining!, new DateTimeOffset(now.UtcTicks - u.AgeTicks, TimeSpan.Zero), TimeSpan.FromTicks(u.TimeoutTicks), u.All)
            {
                TimedOut = u.TimedOut,
            };
            if (u.TimerRunning)
            {
                request.Deadline = now + TimeSpan.FromTicks(mode == SnapshotTimerMode.RestartFull ? u.TimeoutTicks : u.LeftTicks);
            }

            foreach (var member in request.Remaining)
            {
                member.Request = request;
            }

            restored[k] = request;
            _pendingCount++;
        }

        _events.Clear();
        _events.AddRange(p.Events);
        _nextLogId = p.NextLogId;
        _nextRequestId = p.NextRequestId;
        _hotplugEventsNegotiated = p.Negotiated;

        // Timers last: a fake clock may fire a zero due time synchronously, and it must find the state complete.
        // Every request the queue held ended above, so the queue is rebuilt from the restored ones in one go.
        _timers.ReplaceAll(restored);
    }

    /// <summary>Counts what a save writes for the connectors the change list keeps.</summary>
    private struct SnapshotSizer : ChangedConnectors.IVisitor
    {
        public int Cursors;
        public int Requests;
        public long Runs;

        public void Visit(SpaprDrc drc)
        {
            if (drc.Cursor != 0)
            {
                Cursors++;
            }

            // A request is written once, at the first connector it still waits for.
            if (drc.Request is { } request && ReferenceEquals(request.Remaining[0], drc))
            {
                Requests++;
                Runs += request.AllConnectorRuns + CountRuns(request.Remaining);
            }
        }
    }
}
