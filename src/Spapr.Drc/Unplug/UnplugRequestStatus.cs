namespace Spapr.Drc;

/// <summary>What a host unplug request did.</summary>
public enum UnplugRequestStatus
{
    /// <summary>The request is pending: the Remove event is queued and the guest must release the device.</summary>
    Requested = 0,

    /// <summary>A pending request was sent again: the Remove event was re-queued (and the timer re-armed, if any).</summary>
    Retried = 1,

    /// <summary>The guest never took the device: it was released at once.</summary>
    CompletedImmediately = 2,

    /// <summary>The request is already pending; nothing was re-queued. <see cref="UnplugRequestResult.TimeRemaining"/> says how long until it times out.</summary>
    AlreadyPending = 3,

    /// <summary>There is no device to unplug (or no such connector).</summary>
    NoDevice = 4,

    /// <summary>The unplug is not allowed (e.g. the boot CPU); the message says why.</summary>
    NotAllowed = 5,
}
