namespace Spapr.Drc.Conformance.Twin;

/// <summary>The device notifications compared between the machines.</summary>
public enum DeviceEventKind
{
    /// <summary>The unplug completed.</summary>
    Deleted,

    /// <summary>The guest rejected the unplug.</summary>
    GuestError,
}
