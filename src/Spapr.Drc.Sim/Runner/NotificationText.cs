namespace Spapr.Drc.Sim.Runner;

/// <summary>What a notification means, in one sentence of the timeline: the outcome in words, and what follows from it.</summary>
internal static class NotificationText
{
    /// <summary>
    /// The sentence of an unplug notification. <paramref name="duringUnplugCommand"/>: raised inside the host's own
    /// request, so a completion there means the device was released at once (the guest never took it).
    /// </summary>
    public static string Unplug(UnplugEventArgs e, bool duringUnplugCommand)
    {
        string device = Format.Device(e.Device);
        return e.Outcome switch
        {
            UnplugOutcome.Completed when duringUnplugCommand => $"{device} released at once: the guest never took it",
            UnplugOutcome.Completed => $"{device} released by the guest",
            UnplugOutcome.CompletedByReset => $"{device} released by the reset",
            UnplugOutcome.RejectedByGuest => $"the guest refused to release {device}; the request is rolled back",
            UnplugOutcome.Cancelled => $"the host cancelled the unplug of {device}",
            UnplugOutcome.TimedOut when !e.IsTerminal => $"{device} not released in time; still pending (keep-pending): a late release completes it, a new request retries",
            UnplugOutcome.TimedOut => $"{device} not released in time; request cleared (clear-request): a late release will not complete it",
            UnplugOutcome.RemovedWithOwner => $"{device} left with the connector it was plugged into: the device owning that connector was released",
            _ => $"{device}: {Format.Outcome(e.Outcome)}",
        };
    }
}
