namespace Spapr.Drc;

/// <summary>
/// The kind of device a dynamic reconfiguration connector carries. The numeric value is the
/// index type shift of SPEC section 1: a connector's index is <c>(type &lt;&lt; 28) | id</c>.
/// </summary>
public enum DrcType
{
    /// <summary>A processor core (logical connector, index base 0x1000_0000).</summary>
    Cpu = 1,

    /// <summary>A PCI host bridge (logical connector, index base 0x2000_0000).</summary>
    Phb = 2,

    /// <summary>Virtual I/O: reserved, no connector of this type may be created.</summary>
    Vio = 3,

    /// <summary>A PCI device function (physical connector, index base 0x4000_0000).</summary>
    Pci = 4,

    /// <summary>A logical memory block of 256 MiB (logical connector, index base 0x8000_0000).</summary>
    Lmb = 8,

    /// <summary>A persistent memory device (logical connector, index base 0x9000_0000).</summary>
    Pmem = 9,
}
