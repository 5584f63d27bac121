namespace Spapr.Drc;

/// <summary>The two connector classes of PAPR; they differ only in their transition rules (SPEC section 3).</summary>
public enum DrcClass
{
    /// <summary>Logical connectors (CPU, PHB, LMB, PMEM): isolation and allocation indicators.</summary>
    Logical = 0,

    /// <summary>Physical connectors (PCI): isolation and DR indicators, power is always on.</summary>
    Physical = 1,
}
