namespace Spapr.Drc;

/// <summary>When a <see cref="DrcTransitionRule"/> applies, beyond its call, value and source state.</summary>
internal enum DrcTransitionCondition
{
    /// <summary>The rule applies unless an earlier rule for the same call and state matched.</summary>
    Otherwise = 0,

    /// <summary>The connector has no device attached.</summary>
    NoDevice = 1,

    /// <summary>An unplug is pending on the connector.</summary>
    UnplugPending = 2,

    /// <summary>An unplug is pending and a device is attached: the guest is rejecting the unplug.</summary>
    UnplugPendingWithDevice = 3,

    /// <summary>The connector's type refuses a guest isolate the host did not ask for, and none was asked (LMB: the guest may not pick LMBs itself).</summary>
    IsolateWithoutRequest = 4,
}
