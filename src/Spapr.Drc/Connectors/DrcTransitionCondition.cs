namespace Spapr.Drc;

/// <summary>When a <see cref="DrcTransitionRule"/> applies, beyond its call, value and source state.</summary>
public enum DrcTransitionCondition
{
    /// <summary>The rule applies unless an earlier rule for the same call and state matched.</summary>
    Otherwise = 0,

    /// <summary>The connector has no device attached.</summary>
    NoDevice = 1,

    /// <summary>An unplug is pending on the connector.</summary>
    UnplugPending = 2,

    /// <summary>An unplug is pending and a device is attached: the guest is rejecting the unplug.</summary>
    UnplugPendingWithDevice = 3,

    /// <summary>The connector is an LMB and no unplug was requested (the guest may not pick LMBs itself).</summary>
    LmbWithoutUnplugRequest = 4,
}
