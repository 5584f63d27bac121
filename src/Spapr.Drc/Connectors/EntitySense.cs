namespace Spapr.Drc;

/// <summary>The value of the DR entity-sense sensor (RTAS get-sensor-state, sensor 9003).</summary>
public enum EntitySense : uint
{
    /// <summary>Physical connector with no device.</summary>
    Empty = 0,

    /// <summary>A device is present and usable by the guest.</summary>
    Present = 1,

    /// <summary>Logical connector in its unusable (empty) state.</summary>
    Unusable = 2,

    /// <summary>Defined by PAPR, never produced.</summary>
    Exchange = 3,

    /// <summary>Defined by PAPR, never produced.</summary>
    Recover = 4,
}
