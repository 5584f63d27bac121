namespace Spapr.Drc.Sim.Runner;

/// <summary>
/// The emulator-side device object the runner attaches: its name, and the connector it was plugged at (the first of a
/// memory device's LMBs). Which connectors it holds is the library's to say (<see cref="AttachedDevice"/>).
/// </summary>
internal sealed class SimDevice(string name, DrcIndex first)
{
    public string Name { get; } = name;

    public DrcIndex First { get; } = first;

    public override string ToString() => Name;
}
