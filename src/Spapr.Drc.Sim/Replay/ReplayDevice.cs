namespace Spapr.Drc.Sim.Replay;

/// <summary>The emulator-side object of a replayed device: the trace's id and the connector it was plugged at.</summary>
internal sealed record ReplayDevice(string Id, DrcIndex First)
{
    public override string ToString() => Id;
}
