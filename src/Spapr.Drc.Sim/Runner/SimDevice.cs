namespace Spapr.Drc.Sim.Runner;

/// <summary>The emulator-side device object the runner attaches: a name, and the connectors it spans.</summary>
internal sealed class SimDevice(string name, DrcIndex first, int count)
{
    public string Name { get; } = name;

    public DrcIndex First { get; } = first;

    /// <summary>How many consecutive connectors the device spans (LMBs of a memory device; 1 otherwise).</summary>
    public int Count { get; } = count;

    public override string ToString() => Name;
}
