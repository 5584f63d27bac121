using Microsoft.Extensions.Logging;

namespace Spapr.Drc;

internal sealed partial class UnplugCoordinator
{
    /// <summary>A host unplug request (SPEC sections 5 and 6). Never throws for anything a user can cause.</summary>
    public UnplugRequestResult Request(DrcIndex index, TimeSpan? timeoutOverride)
    {
        if (!_core.Connectors.TryGetValue(index.Value, out var drc))
        {
            return new(UnplugRequestStatus.NoDevice, index, 0, null, $"No connector with index {index}.");
        }

        if (drc.AttachedDevice is not { } device)
        {
            return new(UnplugRequestStatus.NoDevice, index, 0, null, $"{drc.Name} ({index}) has no device to unplug.");
        }

        var kind = device.Kind;
        if (kind.HasBootDevice && _core.Options.BootCpuId == device.First.Id)
        {
            return new(UnplugRequestStatus.NotAllowed, index, 0, null, $"Boot CPU core may not be unplugged: {device.First.Name} ({device.Index}) holds it.");
        }

        if (device.RequestSlot != 0)
        {
            return Repeat(drc, device, timeoutOverride);
        }

        var timeout = timeoutOverride ?? _core.Options.GetUnplugTimeout(kind.Type);
        long now = _core.NowTicks;

        // The devices the request covers: the named one, and for function 0 of a PCI slot every function present.
        _batch.Clear();
        if (IsFunctionZero(drc))
        {
            foreach (var function in SlotFunctions(drc))
            {
                if (function?.IsHeld == true && function.AttachedDevice!.RequestSlot == 0)
                {
                    _batch.Add(function.AttachedDevice);
                }
            }
        }
        else
        {
            _batch.Add(device);
        }

        // The Remove events name what the device holds now: QEMU queues them even for connectors released at once
        // just below (a slot is the exception, see QueueRemoveEvents).
        CollectRuns(device, waitingOnly: false);
        foreach (var covered in _batch)
        {
            NewRequest(covered, now, timeout);
        }

        long requestId = _requests[device.RequestSlot].Id;

        // Connectors the guest never took are released at once.
        foreach (var covered in _batch)
        {
            ReleaseUntaken(covered);
        }

        QueueRemoveEvents(drc, device);
        bool allDone = true;
        foreach (var covered in _batch)
        {
            if (covered.RequestSlot != 0)
            {
                allDone = false;
                Arm(covered.RequestSlot, now);
            }
        }

        _batch.Clear();
        var status = allDone ? UnplugRequestStatus.CompletedImmediately : UnplugRequestStatus.Requested;
        _core.Metrics.RequestAccepted(status);
        if (_core.Logger.IsEnabled(LogLevel.Information))
        {
            Log.UnplugRequested(_core.Logger, device.Index, device.First.Name, device.Device, status, timeout);
        }

        return new(status, index, requestId, allDone ? null : timeout);
    }

    /// <summary>A request naming the device itself: refused when its removal ended, so a late request cannot reach a newer device on the same connector.</summary>
    public UnplugRequestResult Request(AttachedDevice device, TimeSpan? timeoutOverride) =>
        IsCurrent(device)
            ? Request(device.Index, timeoutOverride)
            : new(UnplugRequestStatus.NoDevice, device.Index, 0, null, $"{device} is no longer attached to this registry.");

    /// <summary>Cancel naming the device itself (see <see cref="Request(AttachedDevice, TimeSpan?)"/>).</summary>
    public bool Cancel(AttachedDevice device) => IsCurrent(device) && Cancel(device.Index);

    /// <summary>Host-side cancel: the request ends (Cancelled); the guest is not told.</summary>
    public bool Cancel(DrcIndex index)
    {
        if (!_core.Connectors.TryGetValue(index.Value, out var drc) || drc.AttachedDevice is not { RequestSlot: not 0 } device)
        {
            return false;
        }

        Log.UnplugCancelled(_core.Logger, device.Index, device.First.Name, device.Device);
        EndRequest(device.RequestSlot, UnplugOutcome.Cancelled);
        return true;
    }

    private bool IsCurrent(AttachedDevice device) => device.IsAttached && ReferenceEquals(device.Core, _core);

    private UnplugRequestResult Repeat(SpaprDrc drc, AttachedDevice device, TimeSpan? timeoutOverride)
    {
        ref var record = ref _requests[device.RequestSlot];
        long requestId = record.Id;
        long now = _core.NowTicks;
        if (record.TimerRunning)
        {
            var left = TimeSpan.FromTicks(Math.Max(0, record.DeadlineTicks - now));
            return new(UnplugRequestStatus.AlreadyPending, drc.Index, requestId, left,
                $"{drc.Name} ({drc.Index}) unplug is still pending, {Durations.FormatRemaining(left)} timeout remaining.");
        }

        if (!record.TimedOut && !device.Kind.RepeatResendsRemove)
        {
            return new(UnplugRequestStatus.AlreadyPending, drc.Index, requestId, Timeout.InfiniteTimeSpan,
                $"{drc.Name} ({drc.Index}) unplug already in progress.");
        }

        // Retry: after a KeepPending timeout (any type), or the upstream CPU re-send when there is no timeout. A retry
        // keeps the request's own timeout (perhaps an override) unless this call gives another. Function 0 stands for
        // its slot: the Remove events go out for every function, so every timed-out request of the slot goes again.
        var timeout = timeoutOverride ?? record.Timeout;
        _batch.Clear();
        _batch.Add(device);
        if (IsFunctionZero(drc))
        {
            foreach (var function in SlotFunctions(drc))
            {
                if (function?.AttachedDevice is { RequestSlot: not 0 and var slot } other && other != device && _requests[slot].TimedOut)
                {
                    _batch.Add(other);
                }
            }
        }

        foreach (var retried in _batch)
        {
            ref var r = ref _requests[retried.RequestSlot];
            r.TimedOut = false;
            r.TimeoutTicks = timeout.Ticks;
            r.Retries++;
        }

        // After a partial release the guest is asked for exactly what the device still holds.
        CollectRuns(device, waitingOnly: true);
        QueueRemoveEvents(drc, device);
        foreach (var retried in _batch)
        {
            Arm(retried.RequestSlot, now);
        }

        _batch.Clear();
        _core.Metrics.RequestAccepted(UnplugRequestStatus.Retried);
        if (_core.Logger.IsEnabled(LogLevel.Information))
        {
            Log.UnplugRequested(_core.Logger, device.Index, device.First.Name, device.Device, UnplugRequestStatus.Retried, timeout);
        }

        return new(UnplugRequestStatus.Retried, drc.Index, requestId, timeout);
    }

    private void NewRequest(AttachedDevice device, long now, TimeSpan timeout)
    {
        int slot = _requests.Add(++_nextRequestId, device, now, timeout.Ticks);
        int waiting = 0;
        foreach (var drc in device.ConnectorSpan)
        {
            if (drc.IsHeld)
            {
                drc.RequestSlot = slot;
                waiting++;
            }
        }

        _requests[slot].Waiting = waiting;
        device.RequestSlot = slot;
    }

    /// <summary>Starts the request's timer, if it has a timeout; a re-arm makes the previous queue entry stale.</summary>
    private void Arm(int slot, long now)
    {
        ref var record = ref _requests[slot];
        if (!record.HasTimeout)
        {
            record.DeadlineTicks = UnplugRequestTable.NoTicks;
            return;
        }

        long maxTicks = DateTimeOffset.MaxValue.UtcTicks;
        record.DeadlineTicks = record.TimeoutTicks > maxTicks - now ? maxTicks : now + record.TimeoutTicks;
        record.ArmSequence = ++_armSequence;
        _timers.Schedule(slot, record.ArmSequence, record.DeadlineTicks, record.Id);
    }

    /// <summary>Connectors the guest never took (still in their empty state) are released at once.</summary>
    private void ReleaseUntaken(AttachedDevice device)
    {
        var empty = device.Kind.Rules.EmptyState;
        foreach (var drc in device.ConnectorSpan)
        {
            int slot = device.RequestSlot;
            if (slot == 0)
            {
                return;
            }

            if (drc.RequestSlot == slot && drc.State == empty)
            {
                Release(drc, UnplugOutcome.Completed);
            }
        }
    }

    /// <summary>
    /// The Remove events of a request or retry: by index for single-connector devices; one count-indexed event per run
    /// of consecutive LMBs, in LMB order; for function 0 of a PCI slot one per function still present, 7 down to 0
    /// (including functions whose own unplug was already pending), and nothing for a non-zero function alone.
    /// </summary>
    private void QueueRemoveEvents(SpaprDrc named, AttachedDevice device)
    {
        var kind = device.Kind;
        if (kind.FunctionsPerSlot > 0)
        {
            if (!IsFunctionZero(named))
            {
                return;
            }

            var functions = SlotFunctions(named);
            for (int f = functions.Length - 1; f >= 0; f--)
            {
                if (functions[f]?.IsHeld == true)
                {
                    QueueEvent(kind.HotplugType, HotplugAction.Remove, HotplugIdentifier.DrcIndex, functions[f]!.Index.Value, 1);
                }
            }
        }
        else if (kind.EventsNameRuns)
        {
            foreach (var (first, count) in _runs)
            {
                QueueEvent(kind.HotplugType, HotplugAction.Remove, HotplugIdentifier.DrcCountIndexed, first, count);
            }
        }
        else
        {
            QueueEvent(kind.HotplugType, HotplugAction.Remove, HotplugIdentifier.DrcIndex, device.Index.Value, 1);
        }
    }

    /// <summary>Fills <see cref="_runs"/> with the runs of consecutive connectors the device holds (or its request waits for).</summary>
    private void CollectRuns(AttachedDevice device, bool waitingOnly)
    {
        _runs.Clear();
        int slot = device.RequestSlot;
        foreach (var drc in device.ConnectorSpan)
        {
            if (!drc.IsHeld || (waitingOnly && drc.RequestSlot != slot))
            {
                continue;
            }

            uint value = drc.Index.Value;
            if (_runs.Count > 0 && _runs[^1].First + _runs[^1].Count == value)
            {
                _runs[^1] = (_runs[^1].First, _runs[^1].Count + 1);
            }
            else
            {
                _runs.Add((value, 1));
            }
        }
    }

    private static bool IsFunctionZero(SpaprDrc drc)
    {
        int functions = drc.Kind.FunctionsPerSlot;
        return functions > 0 && drc.Id % (uint)functions == 0;
    }

    /// <summary>The connectors of the slot of <paramref name="drc"/>, function 0 first; null where a function has no connector.</summary>
    private SpaprDrc?[] SlotFunctions(SpaprDrc drc)
    {
        int functions = drc.Kind.FunctionsPerSlot;
        var slot = _slotScratch.Length == functions ? _slotScratch : _slotScratch = new SpaprDrc?[functions];
        uint first = drc.Index.Value - (drc.Id % (uint)functions);
        for (int f = 0; f < functions; f++)
        {
            slot[f] = _core.Connectors.TryGetValue(first + (uint)f, out var function) ? function : null;
        }

        return slot;
    }
}
