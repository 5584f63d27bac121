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
        int[] claims = p.ConnectorRecordCount == 0 ? [] : ArrayPool<int>.Shared.Rent(p.ConnectorRecordCount);
        try
        {
            Array.Clear(claims, 0, p.ConnectorRecordCount);
            var (pendingFlags, released) = CheckConnectors(core, p, plan);
            CheckUnplugs(core, p, plan, claims, pendingFlags, now);
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
        finally
        {
            if (claims.Length > 0)
            {
                ArrayPool<int>.Shared.Return(claims);
            }
        }
    }

    private static (int PendingFlags, int Released) CheckConnectors(RegistryCore core, ParsedSnapshot p, SnapshotPlan plan)
    {
        int pendingFlags = 0;
        int released = 0;
        for (int i = 0; i < p.ConnectorRecordCount; i++)
        {
            ref readonly var record = ref p.Connectors[i];
            var index = new DrcIndex(record.Index);
            if (!core.Connectors.TryGetValue(record.Index, out var drc))
            {
                throw new DrcSnapshotException($"connector {index} does not exist on this machine.", record.Offset);
            }

            var rules = drc.Kind.Rules;
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

            if (!record.HasDevice && device is not null)
            {
                // A connector the guest released while the rest of its memory device stayed: the device must span others.
                if (device.ConnectorSpan.Length == 1)
                {
                    throw new DrcSnapshotException($"{drc.Name} ({index}) had no device at the source but has one here ({device}).", record.Offset + 6);
                }

                released++;
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

            pendingFlags += record.UnplugPending ? 1 : 0;
            plan.Targets[i] = drc;
        }

        return (pendingFlags, released);
    }

    private static void CheckUnplugs(RegistryCore core, ParsedSnapshot p, SnapshotPlan plan, int[] claims, int pendingFlags, long now)
    {
        var records = p.Connectors;
        var runs = p.Runs;
        int claimed = 0;
        int hint = 0;
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
                if (!core.Connectors.TryGetValue(u.Primary, out var primary))
                {
                    throw new DrcSnapshotException($"unplug request {u.Id} names connector {new DrcIndex(u.Primary)}, which does not exist on this machine.", u.Offset);
                }

                if (primary.AttachedDevice is not { } device || device.Index.Value != u.Primary)
                {
                    throw new DrcSnapshotException($"unplug request {u.Id} names {primary.Name} ({primary.Index}), which is not the first connector of a device here.", u.Offset);
                }

                if (u.AgeTicks > now - DateTimeOffset.MinValue.UtcTicks)
                {
                    throw new DrcSnapshotException($"unplug request {u.Id} is older than this machine's clock can express.", u.Offset + 29);
                }

                if (u.TimerRunning && u.TimeoutTicks > DateTimeOffset.MaxValue.UtcTicks - now)
                {
                    throw new DrcSnapshotException($"unplug request {u.Id} deadline is beyond this machine's clock.", u.Offset + 13);
                }

                // The connectors the request covered: the device's span here must be the same.
                if (u.AllRuns != 1 || runs[u.AllRunStart] != device.Index.Value || runs[u.AllRunStart + 1] != (uint)device.ConnectorSpan.Length)
                {
                    throw new DrcSnapshotException($"the memory device of unplug request {u.Id} spans other LMBs here than at the source ({device} here).", u.Offset + 37);
                }

                // The connectors still waiting: inside the device, flagged pending, each claimed by this request only,
                // and together every connector of the device the stream does not mark released.
                int waiting = 0;
                for (int r = 0; r < u.PendingRuns; r++)
                {
                    uint first = runs[u.PendingRunStart + (2 * r)];
                    uint length = runs[u.PendingRunStart + (2 * r) + 1];
                    if (first < device.Index.Value || (ulong)first - device.Index.Value + length > (ulong)device.ConnectorSpan.Length)
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

                        claims[at] = k + 1;
                        claimed++;
                        waiting++;
                    }
                }

                if (waiting != device.ConnectorSpan.Length - ReleasedIn(p, device, ref hint))
                {
                    throw new DrcSnapshotException($"unplug request {u.Id} waits for {waiting} connectors, but {device} holds others the stream does not mark pending.", u.Offset);
                }

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
        int baseline = core.Changes.DeviceCount;
        foreach (var drc in core.Changes.Enlisted())
        {
            if (!drc.IsRemoved && !drc.IsHeld && drc.AttachedDevice is not null)
            {
                baseline++;
            }
        }

        if ((uint)(baseline - released) != p.DeviceCount)
        {
            throw new DrcSnapshotException(string.Create(CultureInfo.InvariantCulture, $"the source machine had {p.DeviceCount} connectors with a device, this one has {baseline - released} (the destination must attach the same devices before loading)."), p.MachineOffset + 16);
        }

        // A device released on every connector would have left the source machine; here it is still attached.
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
        for (int i = 0; i < p.EventCount; i++)
        {
            ref readonly var e = ref p.Events[i];
            if (!e.HasIndex)
            {
                continue;
            }

            for (uint m = 0; m < e.Count; m++)
            {
                if (!core.Connectors.ContainsKey(e.Index + m))
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
