namespace Spapr.Drc.Conformance.Twin;

/// <summary>A device present at boot (QEMU <c>-device</c>; the library's cold attach).</summary>
/// <param name="Kind">core, dimm, phb or pci.</param>
/// <param name="Id">The device id.</param>
/// <param name="Number">core-id, LMB count, PHB index or PCI slot.</param>
public sealed record ColdDevice(string Kind, string Id, int Number);
