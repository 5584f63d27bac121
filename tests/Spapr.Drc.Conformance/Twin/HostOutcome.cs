namespace Spapr.Drc.Conformance.Twin;

/// <summary>A host operation's answer, reduced to what both machines can say (QMP reply versus library result).</summary>
public enum HostOutcome
{
    /// <summary>QMP <c>{"return": {}}</c>; the library accepted (requested, retried, completed at once, attached).</summary>
    Ok,

    /// <summary>QMP DeviceNotFound; the library's NoDevice.</summary>
    NotFound,

    /// <summary>QMP "unplug already in progress"; the library's AlreadyPending.</summary>
    AlreadyInProgress,

    /// <summary>QMP "Boot CPU core may not be unplugged"; the library's NotAllowed.</summary>
    NotAllowed,

    /// <summary>Any other refusal (slot occupied, bad size).</summary>
    Refused,
}
