namespace Spapr.Drc;

/// <summary>What happens when an unplug timeout fires (SPEC section 6). Either way an UnplugTimedOut notification and a warning log are raised.</summary>
public enum UnplugTimeoutPolicy
{
    /// <summary>
    /// Default. The outcome is unknown, so the request stays pending: a late guest release still completes the
    /// unplug and is reported, and the next request retries (re-queues the Remove event, re-arms the timer).
    /// </summary>
    KeepPending = 0,

    /// <summary>The 2021 QEMU behaviour: the request is cleared; a late guest isolate/unusable then releases nothing.</summary>
    ClearRequest = 1,
}
