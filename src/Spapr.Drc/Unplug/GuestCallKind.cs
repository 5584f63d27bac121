namespace Spapr.Drc;

/// <summary>An RTAS call the guest made on a connector, as unplug diagnostics report it.</summary>
public enum GuestCallKind
{
    /// <summary>get-sensor-state 9003 (entity sense).</summary>
    GetSensorState = 0,

    /// <summary>set-indicator 9001 isolation, value 0.</summary>
    Isolate = 1,

    /// <summary>set-indicator 9001 isolation, value 1.</summary>
    Unisolate = 2,

    /// <summary>set-indicator 9003 allocation, value 1.</summary>
    Usable = 3,

    /// <summary>set-indicator 9003 allocation, value 0.</summary>
    Unusable = 4,

    /// <summary>set-indicator 9002 (the DR indicator).</summary>
    SetDrIndicator = 5,

    /// <summary>One ibm,configure-connector call.</summary>
    ConfigureConnector = 6,
}
