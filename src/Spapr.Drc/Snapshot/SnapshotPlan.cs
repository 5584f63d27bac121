using System.Buffers;

namespace Spapr.Drc;

/// <summary>
/// A snapshot checked against its destination: which connector each record names, which device each unplug record
/// belongs to, and which request each record's connector waits for. Built by <see cref="SnapshotValidator"/>, then
/// applied, which cannot fail. Pooled arrays, returned on dispose.
/// </summary>
internal sealed class SnapshotPlan : IDisposable
{
    public SnapshotPlan(ParsedSnapshot parsed)
    {
        Parsed = parsed;
        int records = parsed.ConnectorRecordCount;
        Targets = records == 0 ? [] : ArrayPool<SpaprDrc>.Shared.Rent(records);
        Slots = records == 0 ? [] : ArrayPool<int>.Shared.Rent(records);
        Array.Clear(Slots, 0, records);
        Devices = parsed.UnplugCount == 0 ? [] : ArrayPool<AttachedDevice>.Shared.Rent(parsed.UnplugCount);
    }

    public ParsedSnapshot Parsed { get; }

    /// <summary>The destination connector of each connector record.</summary>
    public SpaprDrc[] Targets { get; }

    /// <summary>
    /// The request each record's connector waits for, as its slot in the request table after the load: unplug record
    /// k gets slot k + 1 (the table is refilled in stream order). 0 when the connector waits for nothing.
    /// </summary>
    public int[] Slots { get; }

    /// <summary>The destination device of each unplug record.</summary>
    public AttachedDevice[] Devices { get; }

    /// <summary>How many connector records release an LMB of a device that keeps others (counted by the validator).</summary>
    public int Released { get; set; }

    public void Dispose()
    {
        if (Targets.Length > 0)
        {
            Array.Clear(Targets, 0, Parsed.ConnectorRecordCount);
            ArrayPool<SpaprDrc>.Shared.Return(Targets);
            ArrayPool<int>.Shared.Return(Slots);
        }

        if (Devices.Length > 0)
        {
            Array.Clear(Devices, 0, Parsed.UnplugCount);
            ArrayPool<AttachedDevice>.Shared.Return(Devices);
        }
    }

    /// <summary>
    /// Replaces the registry's dynamic state with the stream's (under the lock; nothing here can fail): one walk over the
    /// old change list and the stream's records together, both in index order — a connector only the old list names
    /// goes back to cold plug, a record's connector takes the record — then the requests straight into the request table,
    /// the events, the counters, and last the timers. Fields are written directly and each connector is visited once;
    /// the change list and the counts are rebuilt from what the validator counted.
    /// </summary>
    public void Apply(RegistryCore core, long now, SnapshotTimerMode mode)
    {
        var p = Parsed;
        var unplugs = core.Unplugs;

        // Pending unplugs here are dropped without notification.
        unplugs.DropAll(p.UnplugCount);
        RestoreConnectors(core.Changes.EnlistedInOrder());
        core.Changes.ReplaceMarked(Targets.AsSpan(0, p.ConnectorRecordCount));
        core.Changes.SetCounts((int)p.DeviceCount, Released);

        var requests = unplugs.Requests;
        for (int k = 0; k < p.UnplugCount; k++)
        {
            ref readonly var u = ref p.Unplugs[k];
            var device = Devices[k];
            int slot = requests.Add(u.Id, device, now - u.AgeTicks, u.TimeoutTicks);
            ref var request = ref requests[slot];
            request.Waiting = device.HeldCount;
            request.TimedOut = u.TimedOut;
            if (u.TimerRunning)
            {
                request.DeadlineTicks = now + (mode == SnapshotTimerMode.RestartFull ? u.TimeoutTicks : u.LeftTicks);
            }

            device.RequestSlot = slot;
        }

        requests.DropStale();
        if (p.DetailCount > 0 || p.CallCount > 0)
        {
            unplugs.RestoreDetails(p, now);
        }

        unplugs.Events.ReplaceWith(p.Events.AsSpan(0, p.EventCount));
        unplugs.Restored(p.NextLogId, p.NextRequestId);
        core.Negotiated = p.Negotiated;

        // Timers last: a fake clock may fire a zero due time synchronously, and it must find the state complete.
        unplugs.RearmAll();
    }

    /// <summary>The merge of the old change list and the records: every connector that either names, visited once.</summary>
    private void RestoreConnectors(ReadOnlySpan<SpaprDrc> old)
    {
        var records = Parsed.Connectors;
        var targets = Targets;
        int count = Parsed.ConnectorRecordCount;
        int i = 0;
        int j = 0;
        while (i < old.Length || j < count)
        {
            uint oldIndex = i < old.Length ? old[i].Index.Value : uint.MaxValue;
            uint newIndex = j < count ? records[j].Index : uint.MaxValue;
            if (j == count || (i < old.Length && oldIndex < newIndex))
            {
                ToColdPlug(old[i++]);
                continue;
            }

            if (oldIndex == newIndex)
            {
                i++;
            }

            ref readonly var record = ref records[j];
            var drc = targets[j];
            bool held = record.HasDevice;
            if (held != drc.IsHeld && !drc.IsRemoved)
            {
                // A released LMB of a device that keeps others, at the source or here before the load.
                drc.AttachedDevice!.HeldCount += held ? 1 : -1;
            }

            drc.Restore(record.State, record.Indicator, record.Cursor, held, Slots[j], enlisted: true);
            j++;
        }
    }

    /// <summary>A connector only the old list names: what cold plug gives it, its device held again, off the list.</summary>
    private static void ToColdPlug(SpaprDrc drc)
    {
        if (drc.IsRemoved)
        {
            drc.IsEnlisted = false;
            return;
        }

        var device = drc.AttachedDevice;
        if (device is not null && !drc.IsHeld)
        {
            device.HeldCount++;
        }

        var rules = drc.Kind.Rules;
        bool held = device is not null;
        drc.Restore(rules.ColdState(held), rules.ColdIndicator(held), 0, held, 0, enlisted: false);
    }
}
