using System.Buffers;

namespace Spapr.Drc;

/// <summary>
/// A snapshot checked against its destination: which connector each record names, which device each unplug record
/// belongs to. Built by <see cref="SnapshotValidator"/>, then applied, which cannot fail. Pooled arrays, returned on dispose.
/// </summary>
internal sealed class SnapshotPlan : IDisposable
{
    public SnapshotPlan(ParsedSnapshot parsed)
    {
        Parsed = parsed;
        Targets = parsed.ConnectorRecordCount == 0 ? [] : ArrayPool<SpaprDrc>.Shared.Rent(parsed.ConnectorRecordCount);
        Devices = parsed.UnplugCount == 0 ? [] : ArrayPool<AttachedDevice>.Shared.Rent(parsed.UnplugCount);
    }

    public ParsedSnapshot Parsed { get; }

    /// <summary>The destination connector of each connector record.</summary>
    public SpaprDrc[] Targets { get; }

    /// <summary>The destination device of each unplug record.</summary>
    public AttachedDevice[] Devices { get; }

    public void Dispose()
    {
        if (Targets.Length > 0)
        {
            Array.Clear(Targets, 0, Parsed.ConnectorRecordCount);
            ArrayPool<SpaprDrc>.Shared.Return(Targets);
        }

        if (Devices.Length > 0)
        {
            Array.Clear(Devices, 0, Parsed.UnplugCount);
            ArrayPool<AttachedDevice>.Shared.Return(Devices);
        }
    }

    /// <summary>
    /// Replaces the registry's dynamic state with the stream's (under the lock; nothing here can fail). First the
    /// cold-plug baseline for the connectors that left it, then the records, the requests straight into the request
    /// table, the events, the counters, and last the timers.
    /// </summary>
    public void Apply(RegistryCore core, long now, SnapshotTimerMode mode)
    {
        var p = Parsed;
        var unplugs = core.Unplugs;

        // Connectors off the change list are in their cold-plug state already; only the listed ones are reset. Pending
        // unplugs here are dropped without notification, and released LMBs of devices take their device back.
        unplugs.DropAll(p.UnplugCount);
        foreach (var drc in core.Changes.Enlisted())
        {
            if (!drc.IsRemoved)
            {
                drc.RequestSlot = 0;
                if (drc.AttachedDevice is { } device && !drc.IsHeld)
                {
                    drc.Rehold();
                    device.HeldCount++;
                }

                drc.ResetToColdPlug();
            }
        }

        var records = p.Connectors;
        for (int i = 0; i < p.ConnectorRecordCount; i++)
        {
            ref readonly var record = ref records[i];
            var drc = Targets[i];
            if (!record.HasDevice && drc.IsHeld)
            {
                // Released by the guest at the source while the rest of its memory device stayed.
                drc.Release();
                drc.AttachedDevice!.HeldCount--;
            }

            drc.State = record.State;
            drc.DrIndicator = record.Indicator;
            drc.Cursor = record.Cursor;
        }

        // What differs from cold plug now is exactly what the stream listed, in its (index) order.
        core.Changes.ReplaceWith(Targets.AsSpan(0, p.ConnectorRecordCount));

        var requests = unplugs.Requests;
        var runs = p.Runs;
        for (int k = 0; k < p.UnplugCount; k++)
        {
            ref readonly var u = ref p.Unplugs[k];
            var device = Devices[k];
            int slot = requests.Add(u.Id, device, now - u.AgeTicks, u.TimeoutTicks);
            int waiting = 0;
            for (int r = 0; r < u.PendingRuns; r++)
            {
                uint first = runs[u.PendingRunStart + (2 * r)];
                uint length = runs[u.PendingRunStart + (2 * r) + 1];
                var connectors = device.ConnectorSpan;
                int start = (int)(first - device.Index.Value);
                for (int m = 0; m < length; m++)
                {
                    connectors[start + m].RequestSlot = slot;
                }

                waiting += (int)length;
            }

            device.RequestSlot = slot;
            ref var request = ref requests[slot];
            request.Waiting = waiting;
            request.TimedOut = u.TimedOut;
            if (u.TimerRunning)
            {
                request.DeadlineTicks = now + (mode == SnapshotTimerMode.RestartFull ? u.TimeoutTicks : u.LeftTicks);
            }
        }

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
}
