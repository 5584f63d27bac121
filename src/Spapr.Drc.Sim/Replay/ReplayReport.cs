using System.Globalization;

namespace Spapr.Drc.Sim.Replay;

/// <summary>The outcome of a replay: every compared line's verdict, in trace order.</summary>
internal sealed class ReplayReport(string trace, IReadOnlyList<LineVerdict> verdicts)
{
    public string Trace { get; } = trace;

    public IReadOnlyList<LineVerdict> Verdicts { get; } = verdicts;

    public int Agree => Verdicts.Count(v => v.Agrees);

    public int Differ => Verdicts.Count(v => !v.Agrees);

    /// <summary>The lines that agree only because the library differs from QEMU on purpose.</summary>
    public int AgreeByDesign => Verdicts.Count(v => v.Agrees && v.ByDesign is not null);

    /// <summary>The last line of the output: "N agree, M differ".</summary>
    public string Summary => string.Create(CultureInfo.InvariantCulture, $"{Agree} agree, {Differ} differ");
}
