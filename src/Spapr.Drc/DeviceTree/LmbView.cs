namespace Spapr.Drc;

/// <summary>One LMB connector as the dynamic-memory properties see it: its index, the device it holds, and that device's NUMA node.</summary>
/// <param name="Index">The connector's index.</param>
/// <param name="Holder">The device while the connector holds it (not once the guest released this LMB); else <see langword="null"/>.</param>
/// <param name="Node">The holder's NUMA node; 0 without a holder.</param>
internal readonly record struct LmbView(DrcIndex Index, AttachedDevice? Holder, uint Node);
