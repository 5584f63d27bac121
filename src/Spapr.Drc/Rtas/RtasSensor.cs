namespace Spapr.Drc;

/// <summary>The sensor types of RTAS get-sensor-state that connectors implement.</summary>
public enum RtasSensor : uint
{
    /// <summary>9003: DR entity sense (<see cref="Spapr.Drc.EntitySense"/>).</summary>
    EntitySense = 9003,
}
