namespace Spapr.Drc.Sim.Replay;

/// <summary>A whole trace, parsed: the machine line and every line after it, in the order things happened.</summary>
internal sealed record Trace(string Name, MachineLine Machine, IReadOnlyList<TraceLine> Lines);
