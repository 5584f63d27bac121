namespace Spapr.Drc;

internal sealed partial class UnplugCoordinator
{
    private readonly List<(UnplugTimerQueue.Entry Entry, UnplugTimerQueue.DeadlineKey Key)> _rearm = [];

    /// <summary>A snapshot load drops every request without notification and makes room for the ones it brings.</summary>
    public void DropAll(int capacity)
    {
        for (int slot = 1; slot < _requests.HighWater; slot++)
        {
            if (_requests.IsLive(slot))
            {
                _requests[slot].Device!.RequestSlot = 0;
            }
        }

        _requests.Clear(capacity);
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
