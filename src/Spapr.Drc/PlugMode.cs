namespace Spapr.Drc;

/// <summary>How a device arrives (SPEC section 5).</summary>
public enum PlugMode
{
    /// <summary>Present at boot or arriving by migration: the connector goes straight to its ready state, no event.</summary>
    Cold = 0,

    /// <summary>Hot plug: the connector stays empty, an Add event is queued, and the guest acquires the device.</summary>
    Hot = 1,
}
