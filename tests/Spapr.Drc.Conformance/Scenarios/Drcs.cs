namespace Spapr.Drc.Conformance.Scenarios;

/// <summary>Connector indexes of the suite's machine (SPEC section 1).</summary>
internal static class Drcs
{
    public const string CoreDriver = "power9_v2.0-spapr-cpu-core";

    public static uint Core(int coreId) => 0x1000_0000u | (uint)coreId;

    public static uint Phb(int index) => 0x2000_0000u | (uint)index;

    public static uint PciSlot(int slot) => 0x4000_0000u | ((uint)slot << 3);

    public static uint Lmb(int id) => 0x8000_0000u | (uint)id;

    public static uint Pmem(int id) => 0x9000_0000u | (uint)id;
}
