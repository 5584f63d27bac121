using System.Collections.Immutable;

namespace Spapr.Drc;

internal sealed partial class UnplugCoordinator
{
    // The guest's last RTAS call on each connector of a device whose unplug is pending, by connector index. Written
    // only while an unplug is pending (the RTAS path of an idle machine pays one field read), dropped when it ends.
    private readonly Dictionary<uint, (GuestCallKind Kind, int Status, long Ticks)> _lastCalls = [];

    // Scratch for Pending(): the connector runs queued Remove events name, sorted, with the running maximum of their ends.
    private readonly List<(uint Start, uint End)> _removeRuns = [];

    /// <summary>The guest's last call on each connector of a device whose unplug is pending (a snapshot carries them).</summary>
    public Dictionary<uint, (GuestCallKind Kind, int Status, long Ticks)> LastCalls => _lastCalls;

    /// <summary>Notes a guest call on a connector whose device's unplug is pending (diagnostics); nothing otherwise.</summary>
    public void RecordGuestCall(SpaprDrc drc, GuestCallKind kind, int status)
    {
        if (drc.AttachedDevice is { RequestSlot: not 0 })
        {
            _lastCalls[drc.Index.Value] = (kind, status, _core.NowTicks);
        }
    }

    /// <summary>The pending requests, in the order of their device's first connector.</summary>
    public List<PendingUnplug> Pending()
    {
        var now = _core.Time.GetUtcNow();
        CollectRemoveRuns();
        var list = new List<PendingUnplug>(_requests.Count);
        for (int slot = 1; slot < _requests.HighWater; slot++)
        {
            if (_requests.IsLive(slot))
            {
                list.Add(Describe(slot, now));
            }
        }

        _removeRuns.Clear();
        list.Sort(static (a, b) => a.Index.CompareTo(b.Index));
        return list;
    }

    /// <summary>Forgets the calls on a device's connectors (its request ended).</summary>
    private void ForgetGuestCalls(AttachedDevice device)
    {
        if (_lastCalls.Count == 0)
        {
            return;
        }

        foreach (var drc in device.ConnectorSpan)
        {
            _lastCalls.Remove(drc.Index.Value);
        }
    }

    private PendingUnplug Describe(int slot, DateTimeOffset now)
    {
        ref var record = ref _requests[slot];
        var device = record.Device!;
        var connectors = ImmutableArray.CreateBuilder<PendingConnector>(device.ConnectorSpan.Length);
        foreach (var drc in device.ConnectorSpan)
        {
            GuestCall? last = _lastCalls.TryGetValue(drc.Index.Value, out var call)
                ? new GuestCall(call.Kind, drc.Index, call.Status, new DateTimeOffset(call.Ticks, TimeSpan.Zero))
                : null;
            connectors.Add(new PendingConnector(drc.Index, drc.RequestSlot == slot, last));
        }

        var connectorSpan = device.ConnectorSpan;
        return new PendingUnplug(
            record.Id,
            device,
            connectors.MoveToImmutable(),
            new DateTimeOffset(record.RequestedAtTicks, TimeSpan.Zero),
            record.Retries,
            record.Timeout,
            record.TimedOut,
            DeadlineOf(slot),
            TimeRemainingOf(slot),
            RemoveQueuedFor(connectorSpan[0].Index.Value, connectorSpan[^1].Index.Value),
            record.RemoveTakenAtTicks == UnplugRequestTable.NoTicks ? null : new DateTimeOffset(record.RemoveTakenAtTicks, TimeSpan.Zero),
            now);
    }

    /// <summary>Sorts the runs queued Remove events name and turns each end into the running maximum, for <see cref="RemoveQueuedFor"/>.</summary>
    private void CollectRemoveRuns()
    {
        _removeRuns.Clear();
        foreach (var e in _events.Items)
        {
            if (e.Action == HotplugAction.Remove && e.HasIndex)
            {
                _removeRuns.Add((e.Index, e.Index + e.Count - 1));
            }
        }

        _removeRuns.Sort();
        for (int i = 1; i < _removeRuns.Count; i++)
        {
            if (_removeRuns[i].End < _removeRuns[i - 1].End)
            {
                _removeRuns[i] = (_removeRuns[i].Start, _removeRuns[i - 1].End);
            }
        }
    }

    /// <summary>Whether a queued Remove event names any connector in [first, last]: O(log events) per device.</summary>
    private bool RemoveQueuedFor(uint first, uint last)
    {
        int lo = 0;
        int hi = _removeRuns.Count - 1;
        int found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_removeRuns[mid].Start <= last)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found >= 0 && _removeRuns[found].End >= first;
    }
}
