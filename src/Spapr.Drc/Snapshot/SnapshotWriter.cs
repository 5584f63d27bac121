using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;

namespace Spapr.Drc;

/// <summary>
/// Writes a registry's dynamic state as a snapshot (FORMAT.md), under the registry lock. Only connectors that differ
/// from cold plug are written, and the change list holds exactly those, in index order, so a save costs what changed,
/// not the machine's size.
/// </summary>
internal static class SnapshotWriter
{
    public static long Save(RegistryCore core, IBufferWriter<byte> destination)
    {
        long now = core.NowTicks;
        var unplugs = core.Unplugs;
        var requests = unplugs.Requests;
        var events = unplugs.Events;

        // The sizes come first, so that every section header (and the total in the stream header) is written before its
        // payload: the connectors from the pass that prunes the change list, the requests from one pass over the dense
        // request table (a device that holds all its connectors has one waiting run, the common case).
        var sizes = default(Sizer);
        var dirty = core.Changes.Current(ref sizes);
        int records = dirty.Length;
        var (requestCount, runs, details) = CountRequests(requests);
        int calls = unplugs.LastCalls.Count;

        long connectorsPayload = records == 0 ? 0 : 4 + ((long)records * SnapshotFormat.ConnectorRecordSize) + ((long)sizes.Cursors * SnapshotFormat.CursorSize);
        long unplugsPayload = requestCount == 0 ? 0 : 4 + ((long)requestCount * SnapshotFormat.UnplugRecordSize) + (runs * SnapshotFormat.RunSize);
        long eventsPayload = events.Count == 0 ? 0 : 4 + ((long)events.Count * SnapshotFormat.EventRecordSize);
        long detailsPayload = details + calls == 0 ? 0 : 8 + ((long)details * SnapshotFormat.RequestDetailSize) + ((long)calls * SnapshotFormat.GuestCallSize);
        long total = SnapshotFormat.MinimalStreamSize
            + (records == 0 ? 0 : SnapshotFormat.SectionHeaderSize + connectorsPayload)
            + (requestCount == 0 ? 0 : SnapshotFormat.SectionHeaderSize + unplugsPayload)
            + (events.Count == 0 ? 0 : SnapshotFormat.SectionHeaderSize + eventsPayload)
            + (detailsPayload == 0 ? 0 : SnapshotFormat.SectionHeaderSize + detailsPayload);
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
        writer.WriteUInt32(unplugs.NextLogId);
        writer.WriteInt64(unplugs.LastRequestId);
        writer.WriteUInt32((uint)core.Connectors.Count);
        writer.WriteUInt32((uint)core.Changes.DeviceCount);
        writer.WriteByte(core.Negotiated ? SnapshotFormat.MachineNegotiated : (byte)0);

        if (records > 0)
        {
            // The connectors and unplugs sections are adjacent and their sizes known: take one span for both and fill
            // them in a single walk over the changed connectors. Every pending connector is on the list, and a device's
            // connectors are consecutive indexes, so a request is met first at the first connector it waits for.
            int connectorsBytes = SnapshotFormat.SectionHeaderSize + (int)connectorsPayload;
            int unplugsBytes = requestCount == 0 ? 0 : SnapshotFormat.SectionHeaderSize + (int)unplugsPayload;
            var both = writer.Take(connectorsBytes + unplugsBytes);
            var connectorsOut = new SpanRecordWriter(both[..connectorsBytes]);
            var unplugsOut = new SpanRecordWriter(both[connectorsBytes..]);
            connectorsOut.WriteSectionHeader(SnapshotFormat.ConnectorsSection, required: true, connectorsPayload);
            connectorsOut.WriteUInt32((uint)records);
            if (requestCount > 0)
            {
                unplugsOut.WriteSectionHeader(SnapshotFormat.UnplugsSection, required: true, unplugsPayload);
                unplugsOut.WriteUInt32((uint)requestCount);
            }

            int lastSlot = 0;
            foreach (var drc in dirty)
            {
                int slot = drc.RequestSlot;
                int cursor = drc.Cursor;
                var record = connectorsOut.Take(SnapshotFormat.ConnectorRecordSize);
                uint index = drc.Index.Value;
                BinaryPrimitives.WriteUInt32LittleEndian(record, index);
                record[4] = (byte)(index >> 28);
                record[5] = (byte)drc.State;
                record[6] = (byte)((drc.IsHeld ? SnapshotFormat.ConnectorHasDevice : 0)
                    | (slot == 0 ? 0 : SnapshotFormat.ConnectorUnplugPending)
                    | (cursor == 0 ? 0 : SnapshotFormat.ConnectorHasCursor)
                    | ((int)drc.DrIndicator << SnapshotFormat.ConnectorIndicatorShift));
                if (cursor != 0)
                {
                    connectorsOut.WriteUInt32((uint)cursor);
                }

                if (slot != 0 && slot != lastSlot)
                {
                    WriteUnplug(ref unplugsOut, ref requests[slot], slot, now);
                    lastSlot = slot;
                }
            }

            Debug.Assert(connectorsOut.Position == connectorsBytes && unplugsOut.Position == unplugsBytes, "the sizing pass and the writing disagree");
        }

        if (events.Count > 0)
        {
            writer.WriteSectionHeader(SnapshotFormat.EventsSection, required: true, eventsPayload);
            writer.WriteUInt32((uint)events.Count);
            var items = events.Items;
            var eventBytes = writer.Take(items.Length * SnapshotFormat.EventRecordSize);
            for (int i = 0; i < items.Length; i++)
            {
                ref readonly var e = ref items[i];
                var record = eventBytes.Slice(i * SnapshotFormat.EventRecordSize, SnapshotFormat.EventRecordSize);
                record[0] = (byte)e.Type;
                record[1] = (byte)e.Action;
                record[2] = (byte)e.Identifier;
                record[3] = e.EventClass == RtasEventClasses.Hotplug ? SnapshotFormat.HotplugClass : SnapshotFormat.EpowClass;
                BinaryPrimitives.WriteUInt32LittleEndian(record[4..], e.Index);
                BinaryPrimitives.WriteUInt32LittleEndian(record[8..], e.Count);
                BinaryPrimitives.WriteUInt32LittleEndian(record[12..], e.LogId);
                BinaryPrimitives.WriteInt64LittleEndian(record[16..], e.CreatedAtTicks);
            }
        }

        if (detailsPayload > 0)
        {
            // Optional: an older reader skips the diagnostics and loads everything else correctly.
            writer.WriteSectionHeader(SnapshotFormat.DetailsSection, required: false, detailsPayload);
            WriteDetails(ref writer, requests, details, now);
            WriteCalls(ref writer, unplugs.LastCalls, now);
        }

        writer.Finish();
        return writer.Written;
    }

    /// <summary>The live requests, the runs their records write (one for the device, the runs they wait for), and how many have details.</summary>
    private static (int Requests, long Runs, int Details) CountRequests(UnplugRequestTable requests)
    {
        long runs = 0;
        int details = 0;
        for (int slot = 1; slot < requests.HighWater; slot++)
        {
            ref var request = ref requests[slot];
            if (request.Id == 0)
            {
                continue;
            }

            runs += 1 + (request.Waiting == request.ConnectorCount ? 1 : CountWaitingRuns(request.Device!.ConnectorSpan, slot));
            details += HasDetails(ref request) ? 1 : 0;
        }

        return (requests.Count, runs, details);
    }

    private static int CountWaitingRuns(ReadOnlySpan<SpaprDrc> connectors, int slot)
    {
        int runs = 0;
        for (int i = 0; i < connectors.Length; i++)
        {
            runs += StartsRun(connectors, i, slot) ? 1 : 0;
        }

        return runs;
    }

    private static bool HasDetails(ref UnplugRequestRecord request) => request.Retries > 0 || request.RemoveTakenAtTicks != UnplugRequestTable.NoTicks;

    /// <summary>
    /// One unplug record: the fixed part (layout in FORMAT.md), then one run for every connector of the device (a
    /// device's connectors are consecutive) and the runs of the connectors it still waits for.
    /// </summary>
    private static void WriteUnplug(ref SpanRecordWriter writer, ref UnplugRequestRecord request, int slot, long now)
    {
        long left = request.TimerRunning ? Math.Clamp(request.DeadlineTicks - now, 0, request.TimeoutTicks) : 0;

        // A device that still holds every connector waits for one run, the device's own: no need to visit it.
        bool whole = request.Waiting == request.ConnectorCount;
        int pendingRuns = whole ? 1 : CountWaitingRuns(request.Device!.ConnectorSpan, slot);
        var record = writer.Take(SnapshotFormat.UnplugRecordSize + (2 * SnapshotFormat.RunSize));
        BinaryPrimitives.WriteUInt32LittleEndian(record, request.FirstIndex);
        BinaryPrimitives.WriteInt64LittleEndian(record[4..], request.Id);
        record[12] = (byte)((request.TimedOut ? SnapshotFormat.UnplugTimedOut : 0) | (request.TimerRunning ? SnapshotFormat.UnplugTimerRunning : 0));
        BinaryPrimitives.WriteInt64LittleEndian(record[13..], request.TimeoutTicks);
        BinaryPrimitives.WriteInt64LittleEndian(record[21..], left);
        BinaryPrimitives.WriteInt64LittleEndian(record[29..], Math.Max(0, now - request.RequestedAtTicks));
        BinaryPrimitives.WriteUInt32LittleEndian(record[37..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(record[41..], (uint)pendingRuns);
        BinaryPrimitives.WriteUInt32LittleEndian(record[45..], request.FirstIndex);
        BinaryPrimitives.WriteUInt32LittleEndian(record[49..], (uint)request.ConnectorCount);
        if (whole)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(record[53..], request.FirstIndex);
            BinaryPrimitives.WriteUInt32LittleEndian(record[57..], (uint)request.ConnectorCount);
            return;
        }

        // The record's first waiting run goes where the span above ends; the others follow.
        var connectors = request.Device!.ConnectorSpan;
        bool firstRun = true;
        for (int i = 0; i < connectors.Length; i++)
        {
            if (!StartsRun(connectors, i, slot))
            {
                continue;
            }

            int end = i + 1;
            while (end < connectors.Length && connectors[end].RequestSlot == slot)
            {
                end++;
            }

            if (firstRun)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(record[53..], connectors[i].Index.Value);
                BinaryPrimitives.WriteUInt32LittleEndian(record[57..], (uint)(end - i));
                firstRun = false;
            }
            else
            {
                writer.WriteUInt32(connectors[i].Index.Value);
                writer.WriteUInt32((uint)(end - i));
            }
        }
    }

    /// <summary>Whether connector <paramref name="i"/> of a device starts a run of connectors its request waits for.</summary>
    private static bool StartsRun(ReadOnlySpan<SpaprDrc> connectors, int i, int slot) =>
        connectors[i].RequestSlot == slot && (i == 0 || connectors[i - 1].RequestSlot != slot);

    /// <summary>The request details in request-id order, so that a machine loaded from a stream saves the same bytes.</summary>
    private static void WriteDetails(ref SnapshotBufferWriter writer, UnplugRequestTable requests, int details, long now)
    {
        writer.WriteUInt32((uint)details);
        var order = ArrayPool<(long Id, int Slot)>.Shared.Rent(Math.Max(1, details));
        int n = 0;
        for (int slot = 1; slot < requests.HighWater; slot++)
        {
            if (requests.IsLive(slot) && HasDetails(ref requests[slot]))
            {
                order[n++] = (requests[slot].Id, slot);
            }
        }

        order.AsSpan(0, n).Sort();
        foreach (var (id, slot) in order.AsSpan(0, n))
        {
            ref var request = ref requests[slot];
            var record = writer.Take(SnapshotFormat.RequestDetailSize);
            BinaryPrimitives.WriteInt64LittleEndian(record, id);
            BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)request.Retries);
            BinaryPrimitives.WriteInt64LittleEndian(record[12..], request.RemoveTakenAtTicks == UnplugRequestTable.NoTicks ? -1 : Math.Max(0, now - request.RemoveTakenAtTicks));
        }

        ArrayPool<(long Id, int Slot)>.Shared.Return(order);
    }

    /// <summary>The guest's last calls in connector order (a dictionary's order is not the same on a machine that loaded them).</summary>
    private static void WriteCalls(ref SnapshotBufferWriter writer, Dictionary<uint, (GuestCallKind Kind, int Status, long Ticks)> calls, long now)
    {
        writer.WriteUInt32((uint)calls.Count);
        var order = ArrayPool<uint>.Shared.Rent(Math.Max(1, calls.Count));
        calls.Keys.CopyTo(order, 0);
        order.AsSpan(0, calls.Count).Sort();
        foreach (uint index in order.AsSpan(0, calls.Count))
        {
            var call = calls[index];
            var record = writer.Take(SnapshotFormat.GuestCallSize);
            BinaryPrimitives.WriteUInt32LittleEndian(record, index);
            record[4] = (byte)call.Kind;
            BinaryPrimitives.WriteInt32LittleEndian(record[5..], call.Status);
            BinaryPrimitives.WriteInt64LittleEndian(record[9..], Math.Max(0, now - call.Ticks));
        }

        ArrayPool<uint>.Shared.Return(order);
    }

    /// <summary>Counts the configure-connector cursors the change list keeps (the one per-connector size that varies).</summary>
    private struct Sizer : ChangedConnectors.IVisitor
    {
        public int Cursors;

        public void Visit(SpaprDrc drc)
        {
            if (drc.Cursor != 0)
            {
                Cursors++;
            }
        }
    }
}
