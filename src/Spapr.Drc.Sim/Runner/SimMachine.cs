namespace Spapr.Drc.Sim.Runner;

/// <summary>One simulated machine: a registry on its own virtual clock, and the devices the scenario plugged.</summary>
internal sealed class SimMachine : IDisposable
{
    public SimMachine(int number, DrcOptions options)
    {
        Number = number;
        Options = options;
        Registry = new DrcRegistry(options, Clock.Guest);
    }

    /// <summary>The options the machine was created with (a snapshot load builds a fresh registry with the same).</summary>
    public DrcOptions Options { get; }

    public int Number { get; }

    public SimClock Clock { get; } = new();

    public DrcRegistry Registry { get; set; }

    /// <summary>Devices by the name given at plug time (or the default name).</summary>
    public Dictionary<string, SimDevice> Devices { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether any command has run on this machine (a later <c>machine</c> line then starts a second one).</summary>
    public bool Used { get; set; }

    public void Dispose() => Registry.Dispose();
}
