using Microsoft.Extensions.Logging;

namespace Spapr.Drc;

internal sealed partial class UnplugCoordinator
{
    /// <summary>
    /// The unplug completes for one connector (SPEC section 3, "release"): the connector lets go of its device, and the
    /// request ends when it was the last one waiting; the device's removal ends when it held nothing more.
    /// </summary>
    public void Release(SpaprDrc drc, UnplugOutcome outcome)
    {
        var device = drc.AttachedDevice!;
        int slot = drc.RequestSlot;
        drc.Release();
        device.HeldCount--;
        if (_core.Logger.IsEnabled(LogLevel.Information))
        {
            Log.Released(_core.Logger, drc.Index, drc.Name, device.Device, outcome);
        }

        if (slot != 0 && --_requests[slot].Waiting == 0)
        {
            EndRequest(slot, outcome);
        }

        if (device.HeldCount == 0)
        {
            DeviceRemoved(device);
        }
    }

    /// <summary>The guest rejected a pending unplug: the device's whole request rolls back (every LMB of a memory device), one notification.</summary>
    public void Reject(SpaprDrc drc)
    {
        int slot = drc.RequestSlot;
        if (slot == 0)
        {
            return;
        }

        var device = drc.AttachedDevice!;
        Log.UnplugRejected(_core.Logger, device.Index, device.First.Name, device.Device);
        EndRequest(slot, UnplugOutcome.RejectedByGuest);
    }

    /// <summary>
    /// Machine reset's first step (SPEC section 5): every pending connector is released, in index order; when a release
    /// removes connectors (a PHB's slots) the sweep starts over.
    /// </summary>
    /// <returns>How many connectors were released.</returns>
    public int ReleaseAllPending(UnplugOutcome outcome)
    {
        int released = 0;
        bool again = true;
        while (again)
        {
            again = false;
            _core.StructureChanged = false;

            // Every pending connector differs from cold plug, so the change list holds them all, in index order.
            _sweep.Clear();
            foreach (var drc in _core.Changes.Current())
            {
                if (drc.RequestSlot != 0)
                {
                    _sweep.Add(drc);
                }
            }

            foreach (var drc in _sweep)
            {
                if (drc.IsRemoved || drc.RequestSlot == 0)
                {
                    continue;
                }

                Release(drc, outcome);
                released++;
                if (_core.StructureChanged)
                {
                    again = true;
                    break;
                }
            }
        }

        _sweep.Clear();
        return released;
    }

    /// <summary>The timer fired: times out what is due, a batch per lock hold, notifications raised in between.</summary>
    public void OnTimer()
    {
        // A timer callback must never throw: on the thread pool it would crash the process, and on a
        // FakeTimeProvider it would wedge the clock for good.
        try
        {
            // About a thousand timeouts per lock hold (under a millisecond), their notifications raised in between:
            // a mass timeout (16,384 LMBs) neither holds the lock long enough to stall vCPU threads' RTAS calls nor
            // queues every notification at once. Smaller batches cost more in lock hand-offs on a busy machine.
            // On the system clock the callback gives way to the registry's other callers: it does not wait for a busy
            // lock, and it stops between batches when others used the registry meanwhile, coming back a millisecond
            // later. Timeouts are not urgent, and a timer thread that ran alongside a burst of requests (or of RTAS
            // calls) slowed the burst down: the two threads fought over the lock and the same cache lines, and on
            // sibling hyperthreads over the same core. A virtual clock's callbacks run inside the test's Advance,
            // which must finish what is due, so they wait and never stop early.
            bool first = true;
            while (true)
            {
                bool? more = _core.TimerWork((Self: this, First: first), !_timers.DefersWhenBusy, static (_, s) => s.Self.ProcessDueBatch(s.First));
                first = false;
                if (more is null)
                {
                    _timers.RetrySoon();
                    return;
                }

                if (more == false)
                {
                    return;
                }
            }
        }
#pragma warning disable CA1031 // The callback is a process boundary; failures are logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.TimerCallbackFailed(_core.Logger, ex);
        }
    }

    /// <summary>Ends a request with its terminal outcome: its connectors' flags cleared, its timer stale, one notification.</summary>
    private void EndRequest(int slot, UnplugOutcome outcome)
    {
        ref var record = ref _requests[slot];
        var device = record.Device!;
        foreach (var drc in device.ConnectorSpan)
        {
            if (drc.RequestSlot == slot)
            {
                drc.RequestSlot = 0;
            }
        }

        device.RequestSlot = 0;
        ForgetGuestCalls(device);
        Notify(outcome, isTerminal: true, device, record.Id, record.RequestedAtTicks);
        _requests.Remove(slot);
    }

    /// <summary>The device's removal ended: its connectors are free again, and a PHB's slots leave with it.</summary>
    private void DeviceRemoved(AttachedDevice device)
    {
        foreach (var drc in device.ConnectorSpan)
        {
            drc.Free();
        }

        device.Detached();
        _devices--;
        if (device.Kind.ReleaseRemovesOwnedConnectors)
        {
            foreach (var drc in device.ConnectorSpan)
            {
                RemoveOwnedConnectors(drc);
            }
        }
    }

    /// <summary>The connectors <paramref name="owner"/> owns leave the machine, with the devices in them; their queued events are dropped.</summary>
    private void RemoveOwnedConnectors(SpaprDrc owner)
    {
        bool removed = false;
        foreach (var drc in _core.Ordered())
        {
            if (drc.OwnerValue == owner.Index.Value && !drc.IsRemoved)
            {
                RemoveConnector(drc);
                removed = true;
            }
        }

        if (removed)
        {
            _events.RemoveNamingMissing(_core.Connectors.ContainsKey);
        }
    }

    private void RemoveConnector(SpaprDrc drc)
    {
        // A bridge in a removed slot takes its own slots along first.
        RemoveOwnedConnectors(drc);
        if (drc.AttachedDevice is { IsAttached: true } device)
        {
            EndWithOwner(device);
        }

        _core.Connectors.Remove(drc.Index.Value);
        ChangedConnectors.Removed(drc);
        _core.OrderChanged();
        _core.StructureChanged = true;
        Log.ConnectorRemoved(_core.Logger, drc.Index, drc.Name);
    }

    /// <summary>A device whose connector left the machine: one RemovedWithOwner notification, pending request or not.</summary>
    private void EndWithOwner(AttachedDevice device)
    {
        foreach (var drc in device.ConnectorSpan)
        {
            if (drc.IsHeld)
            {
                drc.Release();
                device.HeldCount--;
            }
        }

        Log.Released(_core.Logger, device.Index, device.First.Name, device.Device, UnplugOutcome.RemovedWithOwner);
        if (device.RequestSlot != 0)
        {
            EndRequest(device.RequestSlot, UnplugOutcome.RemovedWithOwner);
        }
        else
        {
            long now = _core.NowTicks;
            Notify(UnplugOutcome.RemovedWithOwner, isTerminal: true, device, 0, now);
        }

        foreach (var drc in device.ConnectorSpan)
        {
            drc.Free();
        }

        device.Detached();
        _devices--;
    }

    /// <summary>One batch of the timer callback (see <see cref="OnTimer"/>); true when more are due and the callback should go on now.</summary>
    private bool ProcessDueBatch(bool first)
    {
        if (!first && _timers.DefersWhenBusy && _core.Activity != _activityAtLastBatch)
        {
            // Other callers used the registry while this callback raised the last batch's notifications.
            _timers.Fired();
            _timers.Arm(_core.NowTicks + UnplugTimerQueue.RetryDelay.Ticks);
            return false;
        }

        bool more = ProcessDue(MaxTimeoutsPerLockHold);
        _activityAtLastBatch = _core.Activity;
        return more;
    }

    /// <summary>Times out up to <paramref name="max"/> due requests; true when more are due (call again after a dispatch).</summary>
    private bool ProcessDue(int max)
    {
        _timers.Fired();
        long now = _core.NowTicks;
        int processed = 0;
        while (_timers.TryPeek(out int slot, out long sequence, out long deadline))
        {
            if (!IsLiveTimer(slot, sequence))
            {
                _timers.Dequeue();
                continue;
            }

            if (deadline > now)
            {
                _timers.Arm(deadline);
                return false;
            }

            if (processed == max)
            {
                return true;
            }

            _timers.Dequeue();
            _requests[slot].DeadlineTicks = UnplugRequestTable.NoTicks;
            OnTimeout(slot);
            processed++;
        }

        return false;
    }

    private void OnTimeout(int slot)
    {
        ref var record = ref _requests[slot];
        var device = record.Device!;
        if (_core.Logger.IsEnabled(LogLevel.Warning))
        {
            Log.UnplugTimedOut(_core.Logger, device.Index, device.First.Name, device.Device, record.Timeout, _core.Options.TimeoutPolicy);
        }

        if (_core.Options.TimeoutPolicy == UnplugTimeoutPolicy.ClearRequest)
        {
            EndRequest(slot, UnplugOutcome.TimedOut);
        }
        else
        {
            record.TimedOut = true;
            Notify(UnplugOutcome.TimedOut, isTerminal: false, device, record.Id, record.RequestedAtTicks);
        }
    }
}
