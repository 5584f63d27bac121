using Spapr.Drc.Sim.Runner;

namespace Spapr.Drc.Sim.Replay;

/// <summary>
/// <c>drcsim replay &lt;trace.jsonl&gt; [--json] [--timeouts]</c>: reads a real-guest trace, replays it against the
/// library, prints the differences and "N agree, M differ". Never throws for a bad trace: a message and exit code 2.
/// </summary>
internal static class ReplayCommand
{
    /// <summary>Exit code: every compared line agreed.</summary>
    public const int ExitAgree = 0;

    /// <summary>Exit code: at least one line differs.</summary>
    public const int ExitDiffer = 1;

    /// <summary>Exit code: the trace cannot be read or a line is malformed (the same as a malformed scenario).</summary>
    public const int ExitMalformed = ScenarioRunner.ExitMalformed;

    /// <summary>Replays a trace file.</summary>
    public static int RunFile(string path, TextWriter output, TextWriter error, bool json, bool timeouts)
    {
        return InputFile.TryRead(path, "trace", error, out var text)
            ? Run(Path.GetFileName(path), text, output, error, json, timeouts)
            : ExitMalformed;
    }

    /// <summary>Replays a trace's text; <paramref name="name"/> names it in messages (<c>name:line: ...</c>).</summary>
    public static int Run(string name, string text, TextWriter output, TextWriter error, bool json, bool timeouts)
    {
        Trace trace;
        try
        {
            trace = TraceReader.Parse(name, text);
        }
        catch (TraceException e)
        {
            error.WriteLine($"{name}:{e.Line}: {e.Message}");
            return ExitMalformed;
        }

        var report = TraceReplayer.Replay(trace, timeouts);
        if (json)
        {
            ReplayWriter.Json(report, output);
        }
        else
        {
            ReplayWriter.Text(report, output);
        }

        return report.Differ == 0 ? ExitAgree : ExitDiffer;
    }
}
