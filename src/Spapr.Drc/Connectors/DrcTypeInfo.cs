using System.Globalization;

namespace Spapr.Drc;

/// <summary>The per-type constants of SPEC section 1: class, names and device-tree strings.</summary>
public static class DrcTypeInfo
{
    /// <summary>The connector class of a type.</summary>
    /// <param name="type">A type that may carry connectors.</param>
    /// <returns>Physical for PCI, logical for the others.</returns>
    public static DrcClass ClassOf(DrcType type) => type == DrcType.Pci ? DrcClass.Physical : DrcClass.Logical;

    /// <summary>The type mask bit of a type (<c>1 &lt;&lt; shift</c>): CPU 0x002, PHB 0x004, PCI 0x010, LMB 0x100, PMEM 0x200.</summary>
    /// <param name="type">The type.</param>
    /// <returns>The mask bit.</returns>
    public static uint MaskOf(DrcType type) => 1u << (int)type;

    /// <summary>The <c>ibm,drc-types</c> string of a type: CPU, PHB, 28, MEM, PMEM.</summary>
    /// <param name="type">The type.</param>
    /// <returns>The device-tree type string.</returns>
    public static string DeviceTreeTypeOf(DrcType type) => type switch
    {
        DrcType.Cpu => "CPU",
        DrcType.Phb => "PHB",
        DrcType.Pci => "28",
        DrcType.Lmb => "MEM",
        DrcType.Pmem => "PMEM",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "No connector of this type exists."),
    };

    /// <summary>The prefix of a connector's name: "CPU ", "PHB ", "C", "LMB ", "PMEM ".</summary>
    /// <param name="type">The type.</param>
    /// <returns>The name prefix, to which the decimal id is appended.</returns>
    public static string NamePrefixOf(DrcType type) => type switch
    {
        DrcType.Cpu => "CPU ",
        DrcType.Phb => "PHB ",
        DrcType.Pci => "C",
        DrcType.Lmb => "LMB ",
        DrcType.Pmem => "PMEM ",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "No connector of this type exists."),
    };

    /// <summary>The connector's name (<c>ibm,drc-names</c>): e.g. "CPU 8", "LMB 16", "C32".</summary>
    /// <param name="index">The connector index.</param>
    /// <returns>The name.</returns>
    public static string NameOf(DrcIndex index)
    {
        var type = index.Type ?? throw new ArgumentOutOfRangeException(nameof(index), index, "The index names no known connector type.");
        return NamePrefixOf(type) + index.Id.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The empty state of a class: LogicalUnusable (1) or PhysicalPowerOn (6).</summary>
    /// <param name="drcClass">The class.</param>
    /// <returns>The state of a connector that has no device the guest owns.</returns>
    public static DrcState EmptyStateOf(DrcClass drcClass) => drcClass == DrcClass.Physical ? DrcState.PhysicalPowerOn : DrcState.LogicalUnusable;

    /// <summary>The ready state of a class: LogicalConfigured (4) or PhysicalConfigured (8).</summary>
    /// <param name="drcClass">The class.</param>
    /// <returns>The state of a connector whose device the guest has configured.</returns>
    public static DrcState ReadyStateOf(DrcClass drcClass) => drcClass == DrcClass.Physical ? DrcState.PhysicalConfigured : DrcState.LogicalConfigured;
}
