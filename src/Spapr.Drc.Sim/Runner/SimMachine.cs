namespace Spapr.Drc.Sim.Runner;

/// <summary>One simulated machine: a registry on its own virtual clock, and the devices the scenario plugged.</summary>
internal sealed class SimMachine : IDisposable
{
    public SimMachine(int number, DrcOptions options)
    {
        Number = number;
        Registry = new DrcRegistry(options, Clock.Guest);
    }

    public int Number { get; }

    public SimClock Clock { get; } = new();

    public DrcRegistry Registry { get; }

    /// <summary>Devices by the name given at plug time (or the default name).</summary>
    public Dictionary<string, SimDevice> Devices { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether any command has run on this machine (a later <c>machine</c> line then starts a second one).</summary>
    public bool Used { get; set; }

    public void Dispose() => Registry.Dispose();
}
