namespace Spapr.Drc;

/// <summary>The RTAS calls <see cref="RtasDispatcher"/> serves, named as in the <c>/rtas</c> device-tree node.</summary>
public enum RtasCall
{
    /// <summary>No call: the token is not one of the dispatcher's.</summary>
    None = 0,

    /// <summary><c>set-indicator</c>: 3 arguments, 1 return.</summary>
    SetIndicator = 1,

    /// <summary><c>get-sensor-state</c>: 2 arguments, 2 returns.</summary>
    GetSensorState = 2,

    /// <summary><c>ibm,configure-connector</c>: 2 arguments (the work area's address, low word then high word), 1 return.</summary>
    ConfigureConnector = 3,

    /// <summary><c>check-exception</c>: 6 or 7 arguments, 1 return.</summary>
    CheckException = 4,

    /// <summary><c>event-scan</c>: 4 arguments, 1 return.</summary>
    EventScan = 5,
}
