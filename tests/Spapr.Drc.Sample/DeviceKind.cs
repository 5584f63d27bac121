namespace Spapr.Drc.Sample;

/// <summary>The kinds of hot-pluggable device the toy machine has, each behind its own connector type.</summary>
public enum DeviceKind
{
    /// <summary>A CPU core: one CPU connector, id = the vCPU id of its first thread.</summary>
    CpuCore,

    /// <summary>A memory DIMM: several consecutive LMB connectors, one per 256 MiB.</summary>
    Dimm,

    /// <summary>A PCI host bridge: one PHB connector, which owns the connectors of its PCI slots.</summary>
    HostBridge,

    /// <summary>A single-function PCI card: the PCI connector of function 0 of a slot.</summary>
    PciCard,
}
