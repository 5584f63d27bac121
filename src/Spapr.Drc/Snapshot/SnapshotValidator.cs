using System.Buffers;
using System.Globalization;

namespace Spapr.Drc;

/// <summary>
/// Checks a parsed snapshot against its destination, under the registry lock, before anything changes: every index
/// exists with the same type, states fit the class, device flags fit the destination's devices (a released LMB belongs
/// to a memory device that keeps others), every unplug record names a destination device with the same span and waits
/// for exactly the connectors it still holds, ids are unique, counts match, events name existing connectors. The
/// result is a <see cref="SnapshotPlan"/>; the parsed records are not written to.
/// </summary>
internal static class SnapshotValidator
{

    public static SnapshotPlan Validate(RegistryCore core, ParsedSnapshot p, long now)
    {
        if (p.ConnectorCount != (uint)core.Connectors.Count)
        {
            throw new DrcSnapshotException(string.Create(CultureInfo.InvariantCulture, $"the source machine had {p.ConnectorCount} connectors, this one has {core.Connectors.Count}."), p.MachineOffset + 12);
        }

        var plan = new SnapshotPlan(p);
        try
        {
            var (pendingFlags, released) = CheckConnectors(core, p, plan);
            plan.Released = released;
            CheckUnplugs(core, p, plan, pendingFlags, now);
            CheckDeviceCount(core, p, released);
            CheckEvents(core, p);
            CheckDetails(core, p, plan, now);
            return plan;
        }
        catch
        {
            plan.Dispose();
            throw;
        }
    }

    private static (int PendingFlags, int Released) CheckConnectors(RegistryCore core, ParsedSnapshot p, SnapshotPlan plan)
    {
        int pendingFlags = 0;
        int released = 0;
        var records = p.Connectors;
        var targets = plan.Targets;
        var connectors = core.Connectors;
        for (int i = 0; i < p.ConnectorRecordCount; i++)
        {
            ref readonly var record = ref records[i];
            if (!connectors.TryGetValue(record.Index, out var drc))
            {
                throw new DrcSnapshotException($"connector {new DrcIndex(record.Index)} does not exist on this machine.", record.Offset);
            }

            // The usual record (a held connector in a state its class knows, no cursor, the indicator its class allows)
            // passes one test; anything else goes through the slow path, which knows every rule and names the broken one.
            var rules = drc.Kind.Rules;
            bool plain = record.HasDevice && drc.AttachedDevice is not null && record.Cursor == 0
                && record.Type == record.Index >> 28 && rules.IsValidState(record.State)
                && (rules.HasDrIndicator || record.Indicator == DrIndicator.Inactive);
            if (!plain && CheckConnectorSlow(in record, drc, rules))
            {
                released++;
            }

            pendingFlags += record.UnplugPending ? 1 : 0;
            targets[i] = drc;
        }

        return (pendingFlags, released);
    }

    /// <summary>Every rule for one connector record; throws naming the first broken one. True when it releases an LMB of a device that keeps others.</summary>
    private static bool CheckConnectorSlow(in ParsedSnapshot.ConnectorRecord record, SpaprDrc drc, DrcClassRules rules)
    {
        var index = new DrcIndex(record.Index);
        if (record.Type != record.Index >> 28)
        {
            throw new DrcSnapshotException($"connector {index} is a {drc.Type} connector here, the stream says type {record.Type}.", record.Offset + 4);
        }

        if (!rules.IsValidState(record.State))
        {
            throw new DrcSnapshotException($"state {(byte)record.State} is not valid for {drc.Name} ({index}), a {rules.Class.ToString().ToLowerInvariant()} connector.", record.Offset + 5);
        }

        if (record.UnplugPending && !record.HasDevice)
        {
            throw new DrcSnapshotException($"{drc.Name} ({index}) is marked unplug-pending but has no device.", record.Offset + 6);
        }

        var device = drc.AttachedDevice;
        if (record.HasDevice && device is null)
        {
            throw new DrcSnapshotException($"{drc.Name} ({index}) had a device at the source but has none here (attach the destination's devices before loading).", record.Offset + 6);
        }

        bool releases = false;
        if (!record.HasDevice && device is not null)
        {
            // A connector the guest released while the rest of its memory device stayed: the device must span others.
            if (device.ConnectorCount == 1)
            {
                throw new DrcSnapshotException($"{drc.Name} ({index}) had no device at the source but has one here ({device}).", record.Offset + 6);
            }

            releases = true;
        }

        if (!record.HasDevice && record.State != rules.EmptyState)
        {
            throw new DrcSnapshotException($"{drc.Name} ({index}) has no device but state {record.State}.", record.Offset + 5);
        }

        if (!rules.HasDrIndicator && record.Indicator != DrIndicator.Inactive)
        {
            throw new DrcSnapshotException($"{drc.Name} ({index}) is a logical connector with DR indicator {record.Indicator}.", record.Offset + 6);
        }

        if (record.Cursor != 0 && (!record.HasDevice || device!.FlatAt(drc.Ordinal) is not { } flat || record.Cursor >= flat.Tokens.Length))
        {
            throw new DrcSnapshotException($"{drc.Name} ({index}) configure-connector cursor {record.Cursor} is beyond its device-tree fragment here.", record.Offset + 7);
        }

        return releases;
    }

    private static void CheckUnplugs(RegistryCore core, ParsedSnapshot p, SnapshotPlan plan, int pendingFlags, long now)
    {
        var records = p.Connectors;
        var runs = p.Runs;
        var claims = plan.Slots;
        int claimed = 0;
        int hint = 0;
        long oldestAge = now - DateTimeOffset.MinValue.UtcTicks;
        long latestDeadline = DateTimeOffset.MaxValue.UtcTicks - now;
        long[] ids = p.UnplugCount == 0 ? [] : ArrayPool<long>.Shared.Rent(p.UnplugCount);
        try
        {
            for (int k = 0; k < p.UnplugCount; k++)
            {
                ref readonly var u = ref p.Unplugs[k];
                if (u.Id > p.NextRequestId)
                {
                    throw new DrcSnapshotException(string.Create(CultureInfo.InvariantCulture, $"unplug request id {u.Id} is beyond the id counter {p.NextRequestId}."), u.Offset + 4);
                }

                ids[k] = u.Id;

                // A pending device's first connector usually has a record (it is waiting): find it there, in order.
                int primaryAt = p.FindConnectorRecord(u.Primary, ref hint);
                SpaprDrc? primary = primaryAt >= 0 ? plan.Targets[primaryAt] : null;
                if (primary is null && !core.Connectors.TryGetValue(u.Primary, out primary))
                {
                    throw new DrcSnapshotException($"unplug request {u.Id} names connector {new DrcIndex(u.Primary)}, which does not exist on this machine.", u.Offset);
                }

                if (primary.AttachedDevice is not { } device || primary.Ordinal != 0)
                {
                    throw new DrcSnapshotException($"unplug request {u.Id} names {primary.Name} ({primary.Index}), which is not the first connector of a device here.", u.Offset);
                }

                if (u.AgeTicks > oldestAge || (u.TimerRunning && u.TimeoutTicks > latestDeadline))
                {
                    throw OutOfClock(u, oldestAge);
                }

                // The connectors the request covered: the device's span here must be the same.
                uint count = (uint)device.ConnectorCount;
                if (u.AllRuns != 1 || runs[u.AllRunStart] != u.Primary || runs[u.AllRunStart + 1] != count)
                {
                    throw new DrcSnapshotException($"the memory device of unplug request {u.Id} spans other LMBs here than at the source ({device} here).", u.Offset + 37);
                }

                // The usual case: the device still holds every connector, so the request waits for the whole span, whose
                // records follow the primary's. Otherwise the runs are checked one connector at a time.
                int waiting;
                if (u.PendingRuns == 1 && primaryAt >= 0 && runs[u.PendingRunStart] == u.Primary && runs[u.PendingRunStart + 1] == count
                    && ClaimRun(records, claims, p.ConnectorRecordCount, primaryAt, u.Primary, count, k + 1))
                {
                    waiting = (int)count;
                    hint = primaryAt + (int)count;
                }
                else
                {
                    waiting = ClaimRuns(p, u, device, claims, k + 1, ref hint);
                    if (waiting != device.ConnectorCount - ReleasedIn(p, device, ref hint))
                    {
                        throw new DrcSnapshotException($"unplug request {u.Id} waits for {waiting} connectors, but {device} holds others the stream does not mark pending.", u.Offset);
                    }
                }

                claimed += waiting;
                plan.Devices[k] = device;
            }

            if (claimed != pendingFlags)
            {
                for (int i = 0; i < p.ConnectorRecordCount; i++)
                {
                    if (records[i].UnplugPending && claims[i] == 0)
                    {
                        throw new DrcSnapshotException($"{plan.Targets[i].Name} ({plan.Targets[i].Index}) is marked unplug-pending but no unplug request waits for it.", records[i].Offset + 6);
                    }
                }
            }

            // Ids come out of a save in connector order, usually ascending already: then the sort is skipped.
            var span = ids.AsSpan(0, p.UnplugCount);
            if (!IsAscending(span))
            {
                span.Sort();
            }

            for (int k = 1; k < span.Length; k++)
            {
                if (span[k] == span[k - 1])
                {
                    throw new DrcSnapshotException(string.Create(CultureInfo.InvariantCulture, $"unplug request id {span[k]} appears twice."), p.Unplugs[0].Offset);
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

    /// <summary>
    /// Claims <paramref name="count"/> consecutive records from <paramref name="at"/> for request <paramref name="claim"/>
    /// when they are exactly the connectors from <paramref name="first"/>, each flagged pending and not claimed yet.
    /// </summary>
    private static bool ClaimRun(ParsedSnapshot.ConnectorRecord[] records, int[] claims, int recordCount, int at, uint first, uint count, int claim)
    {
        if ((ulong)at + count > (ulong)recordCount)
        {
            return false;
        }

        for (int m = 0; m < (int)count; m++)
        {
            ref readonly var record = ref records[at + m];
            if (record.Index != first + (uint)m || !record.UnplugPending || claims[at + m] != 0)
            {
                return false;
            }
        }

        for (int m = 0; m < (int)count; m++)
        {
            claims[at + m] = claim;
        }

        return true;
    }

    /// <summary>The general case: every waiting connector inside the device, flagged pending, claimed by this request only.</summary>
    private static int ClaimRuns(ParsedSnapshot p, in ParsedSnapshot.UnplugRecord u, AttachedDevice device, int[] claims, int claim, ref int hint)
    {
        var records = p.Connectors;
        var runs = p.Runs;
        uint deviceFirst = device.Index.Value;
        int waiting = 0;
        for (int r = 0; r < u.PendingRuns; r++)
        {
            uint first = runs[u.PendingRunStart + (2 * r)];
            uint length = runs[u.PendingRunStart + (2 * r) + 1];
            if (first < deviceFirst || (ulong)first - deviceFirst + length > (ulong)device.ConnectorCount)
            {
                throw new DrcSnapshotException($"unplug request {u.Id} waits for connectors outside the device it names.", u.Offset);
            }

            for (uint m = 0; m < length; m++)
            {
                uint value = first + m;
                int at = p.FindConnectorRecord(value, ref hint);
                if (at < 0 || !records[at].UnplugPending)
                {
                    throw new DrcSnapshotException($"unplug request {u.Id} waits for {new DrcIndex(value)}, which the stream does not mark unplug-pending.", u.Offset);
                }

                if (claims[at] != 0)
                {
                    throw new DrcSnapshotException($"{new DrcIndex(value)} is pending in two unplug requests.", u.Offset);
                }

                claims[at] = claim;
                waiting++;
            }
        }

        return waiting;
    }

    private static DrcSnapshotException OutOfClock(in ParsedSnapshot.UnplugRecord u, long oldestAge) => u.AgeTicks > oldestAge
        ? new DrcSnapshotException($"unplug request {u.Id} is older than this machine's clock can express.", u.Offset + 29)
        : new DrcSnapshotException($"unplug request {u.Id} deadline is beyond this machine's clock.", u.Offset + 13);

    /// <summary>How many connectors of <paramref name="device"/> the stream marks released (a record without a device).</summary>
    private static int ReleasedIn(ParsedSnapshot p, AttachedDevice device, ref int hint)
    {
        var connectors = device.ConnectorSpan;
        if (connectors.Length == 1)
        {
            return 0;
        }

        int released = 0;
        foreach (var drc in connectors)
        {
            int at = p.FindConnectorRecord(drc.Index.Value, ref hint);
            if (at >= 0 && !p.Connectors[at].HasDevice)
            {
                released++;
            }
        }

        return released;
    }

    /// <summary>
    /// The destination's devices, every connector held again (the cold-plug baseline), less the connectors the stream
    /// releases, must hold as many connectors as the source's; and no device may be released entirely.
    /// </summary>
    private static void CheckDeviceCount(RegistryCore core, ParsedSnapshot p, int released)
    {
        int baseline = core.Changes.DeviceCount + core.Changes.ReleasedOwnedCount;
        if ((uint)(baseline - released) != p.DeviceCount)
        {
            throw new DrcSnapshotException(string.Create(CultureInfo.InvariantCulture, $"the source machine had {p.DeviceCount} connectors with a device, this one has {baseline - released} (the destination must attach the same devices before loading)."), p.MachineOffset + 16);
        }

        // A device released on every connector would have left the source machine; here it is still attached.
        if (released == 0)
        {
            return;
        }

        int hint = 0;
        for (int i = 0; i < p.ConnectorRecordCount; i++)
        {
            ref readonly var record = ref p.Connectors[i];
            if (!record.HasDevice && core.Connectors.TryGetValue(record.Index, out var drc) && drc.AttachedDevice is { } device
                && drc == device.First && ReleasedIn(p, device, ref hint) == device.ConnectorSpan.Length)
            {
                throw new DrcSnapshotException($"every connector of {device} was released at the source, so the device was gone there, but it is attached here.", record.Offset + 6);
            }
        }
    }

    private static void CheckEvents(RegistryCore core, ParsedSnapshot p)
    {
        int hint = 0;
        for (int i = 0; i < p.EventCount; i++)
        {
            ref readonly var e = ref p.Events[i];
            if (!e.HasIndex)
            {
                continue;
            }

            for (uint m = 0; m < e.Count; m++)
            {
                // A queued Remove names pending connectors, which have records: look there first (in order, by hint).
                if (p.FindConnectorRecord(e.Index + m, ref hint) < 0 && !core.Connectors.ContainsKey(e.Index + m))
                {
                    throw new DrcSnapshotException($"event {i} names {new DrcIndex(e.Index + m)}, which does not exist on this machine.", p.EventsOffset + 4 + (i * SnapshotFormat.EventRecordSize) + 4);
                }
            }
        }
    }

    /// <summary>The optional diagnostics name requests of this stream and connectors of their devices.</summary>
    private static void CheckDetails(RegistryCore core, ParsedSnapshot p, SnapshotPlan plan, long now)
    {
        if (p.DetailCount == 0 && p.CallCount == 0)
        {
            return;
        }

        var ids = new HashSet<long>();
        var devices = new HashSet<AttachedDevice>();
        for (int k = 0; k < p.UnplugCount; k++)
        {
            ids.Add(p.Unplugs[k].Id);
            devices.Add(plan.Devices[k]);
        }

        long oldest = now - DateTimeOffset.MinValue.UtcTicks;
        for (int i = 0; i < p.DetailCount; i++)
        {
            ref readonly var detail = ref p.Details[i];
            if (!ids.Contains(detail.Id) || detail.RemoveTakenAgeTicks > oldest)
            {
                throw new DrcSnapshotException($"the details name unplug request {detail.Id}, which the stream does not hold (or with a time this clock cannot express).", detail.Offset);
            }
        }

        for (int i = 0; i < p.CallCount; i++)
        {
            ref readonly var call = ref p.Calls[i];
            if (!core.Connectors.TryGetValue(call.Index, out var drc) || drc.AttachedDevice is not { } device || !devices.Contains(device) || call.AgeTicks > oldest)
            {
                throw new DrcSnapshotException($"a guest call names {new DrcIndex(call.Index)}, which is no connector of a device with a pending unplug here.", call.Offset);
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
}
