namespace Spapr.Drc;

/// <summary>
/// One pending unplug request of one device, as a flat record in the coordinator's <see cref="UnplugRequestTable"/>:
/// no object per request. Its connectors point at it by slot (<see cref="SpaprDrc.RequestSlot"/>). Changed only
/// under the registry lock.
/// </summary>
internal struct UnplugRequestRecord
{
    /// <summary>The registry-unique request id; 0 while the slot is free.</summary>
    public long Id;

    /// <summary>The device the request asks the guest to release.</summary>
    public AttachedDevice? Device;

    /// <summary>How many of the device's connectors the request still waits for; it completes at 0.</summary>
    public int Waiting;

    /// <summary>The device's first connector's index, kept here so a save writes the record without visiting the device.</summary>
    public uint FirstIndex;

    /// <summary>How many connectors the device owns (its connectors are consecutive from <see cref="FirstIndex"/>).</summary>
    public int ConnectorCount;

    /// <summary>How often the host sent the request again (a retry re-queues the Remove events).</summary>
    public int Retries;

    /// <summary>When the host made the request, in UTC ticks of the registry's clock.</summary>
    public long RequestedAtTicks;

    /// <summary>The request's timeout in ticks; <see cref="Timeout.InfiniteTimeSpan"/>'s ticks for none.</summary>
    public long TimeoutTicks;

    /// <summary>When the running timer fires, in UTC ticks; <see cref="UnplugRequestTable.NoTicks"/> when none runs.</summary>
    public long DeadlineTicks;

    /// <summary>The timer-queue entry that is live for this request (each arm gets a new sequence number).</summary>
    public long ArmSequence;

    /// <summary>When check-exception handed the guest a Remove event of this request; <see cref="UnplugRequestTable.NoTicks"/> until then.</summary>
    public long RemoveTakenAtTicks;

    /// <summary>A KeepPending timeout already fired; the next host request retries.</summary>
    public bool TimedOut;

    /// <summary>The next free slot while this one is free (a free list through the array).</summary>
    public int NextFree;

    public readonly TimeSpan Timeout => TimeSpan.FromTicks(TimeoutTicks);

    public readonly bool HasTimeout => TimeoutTicks != System.Threading.Timeout.InfiniteTimeSpan.Ticks;

    public readonly bool TimerRunning => DeadlineTicks != UnplugRequestTable.NoTicks;
}
