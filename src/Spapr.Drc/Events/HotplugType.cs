namespace Spapr.Drc;

/// <summary>The hotplug type byte of a hotplug event's HP section (SPEC section 4).</summary>
public enum HotplugType : byte
{
    /// <summary>1: a processor core.</summary>
    Cpu = 1,

    /// <summary>2: memory (LMBs of a memory device).</summary>
    Memory = 2,

    /// <summary>4: a PCI host bridge.</summary>
    Phb = 4,

    /// <summary>5: a PCI device function.</summary>
    Pci = 5,

    /// <summary>6: persistent memory.</summary>
    Pmem = 6,
}
