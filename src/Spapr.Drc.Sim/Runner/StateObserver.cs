namespace Spapr.Drc.Sim.Runner;

/// <summary>
/// Watches the machine from outside, as a person debugging it would: after each guest call and each command it
/// compares every connector's state with the last look, and reads the registry's pending unplugs for the timeout
/// windows. What it sees goes into the command's outcome (the timeline) and the run's recording (the swim lanes).
/// </summary>
internal sealed class StateObserver(RunRecording recording)
{
    private readonly Dictionary<uint, DrcState> _states = [];
    private readonly Dictionary<uint, long> _createdAt = [];
    private readonly Dictionary<long, TimeoutWindowRecord> _openWindows = [];
    private SimMachine? _machine;

    private SimMachine Machine => _machine ?? throw new InvalidOperationException("No machine.");

    /// <summary>Starts watching a fresh machine: nothing of the previous one carries over.</summary>
    public void StartMachine(SimMachine machine)
    {
        _machine = machine;
        _states.Clear();
        _createdAt.Clear();
        _openWindows.Clear();
    }

    /// <summary>Stops watching: timeout windows still open end at the machine's last virtual time.</summary>
    public void FinishMachine()
    {
        long end = Machine.Clock.ElapsedMs;
        foreach (var window in _openWindows.Values)
        {
            window.EndMs = end;
        }

        _openWindows.Clear();
        recording.EndMs = Math.Max(recording.EndMs, end);
        _machine = null;
    }

    /// <summary>Records every connector state change since the last look, in the outcome and the recording.</summary>
    public void Observe(StepOutcome outcome)
    {
        var machine = Machine;
        long now = machine.Clock.ElapsedMs;
        var seen = new HashSet<uint>();
        foreach (var drc in machine.Registry.Connectors)
        {
            seen.Add(drc.Index.Value);
            if (!_states.TryGetValue(drc.Index.Value, out var old))
            {
                _states[drc.Index.Value] = drc.State;
                _createdAt[drc.Index.Value] = now;
                continue;
            }

            if (old != drc.State)
            {
                var change = new StateChange(drc.Index, drc.Name, old, drc.State);
                outcome.Changes.Add(change);
                outcome.Details.Add(change.ToString());
                var lane = recording.Lane(machine.Number, drc.Index, drc.Name, _createdAt[drc.Index.Value], old);
                lane.Changes.Add((now, old, drc.State));
                _states[drc.Index.Value] = drc.State;
            }
        }

        foreach (var gone in _states.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            var index = new DrcIndex(gone);
            outcome.Details.Add($"{Format.Connector(index)}: removed from the machine with its owner");
            foreach (var lane in recording.Lanes.Where(l => l.Machine == machine.Number && l.Index == index))
            {
                lane.RemovedMs = now;
            }

            _states.Remove(gone);
        }

        ScanWindows(now);
    }

    /// <summary>A queued hotplug event: a marker in the recording.</summary>
    public void EventQueued(int machine, NotificationInfo notification) =>
        recording.Notifications.Add(new NotificationRecord(notification.TimeMs, machine, notification.Kind, notification.Index, notification.Name));

    /// <summary>
    /// An unplug notification: a marker on the connector's lane, which it gets even when its state never changed (a
    /// cancel, a rejection); a timeout that fired closes its window as expired.
    /// </summary>
    public void UnplugNotified(int machine, NotificationInfo notification, long requestId, bool timedOut)
    {
        if (timedOut && _openWindows.Remove(requestId, out var window))
        {
            window.EndMs = notification.TimeMs;
            window.Expired = true;
        }

        recording.Notifications.Add(new NotificationRecord(notification.TimeMs, machine, notification.Kind, notification.Index, notification.Name));
        if (_states.TryGetValue(notification.Index.Value, out var state))
        {
            _ = recording.Lane(machine, notification.Index, notification.Name, _createdAt.GetValueOrDefault(notification.Index.Value), state);
        }
    }

    /// <summary>Opens and closes the recorded unplug timeout windows from the registry's pending unplugs.</summary>
    private void ScanWindows(long now)
    {
        var machine = Machine;
        var live = new HashSet<long>();
        foreach (var pending in machine.Registry.GetPendingUnplugs())
        {
            if (pending.Deadline is not { } deadline)
            {
                continue;
            }

            long plannedEnd = now + (long)Math.Round(machine.Clock.GuestUntil(deadline).TotalMilliseconds);
            if (_openWindows.TryGetValue(pending.RequestId, out var open))
            {
                if (machine.Clock.Paused || open.PlannedEndMs == plannedEnd)
                {
                    live.Add(pending.RequestId);
                    continue;
                }

                // Re-armed (a retry after a timeout): the old window ends here.
                open.EndMs = now;
                _openWindows.Remove(pending.RequestId);
            }

            var window = new TimeoutWindowRecord(machine.Number, pending.RequestId, pending.Index, now, plannedEnd);
            recording.Windows.Add(window);
            _openWindows[pending.RequestId] = window;
            live.Add(pending.RequestId);
        }

        foreach (var id in _openWindows.Keys.Where(k => !live.Contains(k)).ToList())
        {
            _openWindows[id].EndMs ??= now;
            _openWindows.Remove(id);
        }
    }
}
