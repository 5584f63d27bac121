namespace Spapr.Drc;

/// <summary>
/// A set of connector types, as the type mask of SPEC section 1 (bit <c>1 &lt;&lt; shift</c> per type): selects the
/// connectors of <see cref="DrcRegistry.GetDeviceTreeProperties(DrcTypeMask, DrcIndex?)"/> and <see cref="DrcRegistry.GetDrcInfo(DrcTypeMask, DrcIndex?)"/>.
/// </summary>
[Flags]
public enum DrcTypeMask : uint
{
    /// <summary>No type.</summary>
    None = 0,

    /// <summary>CPU cores, 0x002.</summary>
    Cpu = 1u << 1,

    /// <summary>PCI host bridges, 0x004.</summary>
    Phb = 1u << 2,

    /// <summary>PCI slots, 0x010.</summary>
    Pci = 1u << 4,

    /// <summary>Logical memory blocks, 0x100.</summary>
    Lmb = 1u << 8,

    /// <summary>Persistent memory, 0x200.</summary>
    Pmem = 1u << 9,

    /// <summary>Every type a connector may have.</summary>
    All = Cpu | Phb | Pci | Lmb | Pmem,
}
