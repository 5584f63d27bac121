namespace Spapr.Drc;

internal sealed partial class UnplugCoordinator
{
    private readonly List<(UnplugTimerQueue.Entry Entry, UnplugTimerQueue.DeadlineKey Key)> _rearm = [];

    /// <summary>A snapshot load drops every request without notification and makes room for the ones it brings.</summary>
    public void DropAll(int capacity)
    {
        for (int slot = 1; slot < _requests.HighWater; slot++)
        {
            if (_requests[slot].Device is { } device)
            {
                device.RequestSlot = 0;
            }
        }

        _requests.Clear(capacity);
        _lastCalls.Clear();
    }

    /// <summary>A snapshot's optional diagnostics: retries and taken Removes of the restored requests, and the guest's last calls.</summary>
    public void RestoreDetails(ParsedSnapshot p, long now)
    {
        var slots = new Dictionary<long, int>(_requests.Count);
        for (int slot = 1; slot < _requests.HighWater; slot++)
        {
            if (_requests.IsLive(slot))
            {
                slots[_requests[slot].Id] = slot;
            }
        }

        for (int i = 0; i < p.DetailCount; i++)
        {
            ref readonly var detail = ref p.Details[i];
            ref var request = ref _requests[slots[detail.Id]];
            request.Retries = detail.Retries;
            request.RemoveTakenAtTicks = detail.RemoveTakenAgeTicks < 0 ? UnplugRequestTable.NoTicks : now - detail.RemoveTakenAgeTicks;
        }

        for (int i = 0; i < p.CallCount; i++)
        {
            ref readonly var call = ref p.Calls[i];
            _lastCalls[call.Index] = (call.Kind, call.Status, now - call.AgeTicks);
        }
    }

    /// <summary>The counters a snapshot carries.</summary>
    public void Restored(uint nextLogId, long lastRequestId)
    {
        _nextLogId = nextLogId;
        _nextRequestId = lastRequestId;
    }

    /// <summary>After a load: the timer queue is rebuilt from the restored requests in one heap build.</summary>
    public void RearmAll()
    {
        _rearm.Clear();
        for (int slot = 1; slot < _requests.HighWater; slot++)
        {
            if (_requests.IsLive(slot))
            {
                ref var record = ref _requests[slot];
                if (record.TimerRunning)
                {
                    record.ArmSequence = ++_armSequence;
                    _rearm.Add((new UnplugTimerQueue.Entry(slot, record.ArmSequence), new UnplugTimerQueue.DeadlineKey(record.DeadlineTicks, record.Id)));
                }
            }
        }

        _timers.ReplaceAll(_rearm);
        _rearm.Clear();
    }
}
