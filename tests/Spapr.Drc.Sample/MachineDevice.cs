namespace Spapr.Drc.Sample;

/// <summary>
/// One device of the machine, the emulator's own object (QEMU's qdev device): what the registry is given as the
/// device, what the monitor plugs and unplugs, and what a migration destination is told to create. A value: the
/// destination's copy of a device equals the source's.
/// </summary>
/// <param name="Name">Unique for the machine's life, as a QEMU device id: "core2", "dimm5".</param>
/// <param name="Kind">What it is.</param>
/// <param name="Connector">Its (first) connector.</param>
/// <param name="LmbCount">For a DIMM, how many LMBs it spans; 1 otherwise.</param>
public sealed record MachineDevice(string Name, DeviceKind Kind, DrcIndex Connector, int LmbCount = 1)
{
    // The registry prints devices in its diagnostics ("dimm5: request 9; Remove taken by the guest at +0.1 s; ...").
    public override string ToString() => Name;
}
