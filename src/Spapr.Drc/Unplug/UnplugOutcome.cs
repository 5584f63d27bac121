namespace Spapr.Drc;

/// <summary>What an unplug notification reports. Every request ends in exactly one terminal outcome.</summary>
public enum UnplugOutcome
{
    /// <summary>Terminal: the guest released the device.</summary>
    Completed = 0,

    /// <summary>Terminal: a machine reset (or the guest's client-architecture negotiation) released the device.</summary>
    CompletedByReset = 1,

    /// <summary>Terminal: the guest rejected the unplug (unisolate while pending, or LMB reconfiguration).</summary>
    RejectedByGuest = 2,

    /// <summary>Terminal: the host cancelled the request; the guest was not told (PAPR has no abort).</summary>
    Cancelled = 3,

    /// <summary>The timeout fired. Terminal only under <see cref="UnplugTimeoutPolicy.ClearRequest"/>; under KeepPending the outcome is still unknown.</summary>
    TimedOut = 4,

    /// <summary>
    /// Terminal: the device left with the connector it was plugged into, because the device owning that connector was
    /// released (a PCI card in a slot of a PHB the guest released). Reported through <see cref="DrcRegistry.UnplugCompleted"/>,
    /// once per device, whether or not an unplug of it was pending (<see cref="UnplugEventArgs.RequestId"/> is 0 when none was).
    /// </summary>
    RemovedWithOwner = 5,
}
