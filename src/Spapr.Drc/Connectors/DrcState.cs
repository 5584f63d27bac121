namespace Spapr.Drc;

/// <summary>
/// A connector's state. The numbers are part of the snapshot format and of SPEC section 2: never renumber.
/// </summary>
public enum DrcState : byte
{
    /// <summary>No state; never the state of a live connector.</summary>
    Invalid = 0,

    /// <summary>Logical: the empty state; the guest does not own the resource.</summary>
    LogicalUnusable = 1,

    /// <summary>Logical: allocated to the guest, isolated.</summary>
    LogicalAvailable = 2,

    /// <summary>Logical: unisolated, configure-connector in progress.</summary>
    LogicalUnisolate = 3,

    /// <summary>Logical: the ready state; the guest has configured the device.</summary>
    LogicalConfigured = 4,

    /// <summary>Physical: defined by PAPR, never entered.</summary>
    PhysicalAvailable = 5,

    /// <summary>Physical: the empty state (power is always on, the slot is isolated).</summary>
    PhysicalPowerOn = 6,

    /// <summary>Physical: unisolated, configure-connector in progress.</summary>
    PhysicalUnisolate = 7,

    /// <summary>Physical: the ready state; the guest has configured the device.</summary>
    PhysicalConfigured = 8,
}
