namespace Spapr.Drc;

/// <summary>A device spanning several connectors: a memory device (DIMM) over consecutive LMBs.</summary>
internal sealed class DeviceGroup(object device, SpaprDrc[] members)
{
    public object Device { get; } = device;

    /// <summary>Every LMB of the device, in index order (including ones already released).</summary>
    public SpaprDrc[] Members { get; } = members;
}
