using System.Globalization;
using System.Text.Json;
using Spapr.Drc.Sim.Runner;

namespace Spapr.Drc.Sim.Replay;

/// <summary>
/// Writes a replay's outcome. For people: one line per difference (<c>trace:line: what: difference</c>), one line per
/// deliberate difference counted as agreement (<c>... by design: why</c>), then "N agree, M differ". With <c>--json</c>:
/// one object per compared line, then a summary object.
/// </summary>
internal static class ReplayWriter
{
    public static void Text(ReplayReport report, TextWriter output)
    {
        foreach (var verdict in report.Verdicts)
        {
            string where = $"{report.Trace}:{Location(verdict)}: {verdict.What}: ";
            foreach (var difference in verdict.Differences)
            {
                output.WriteLine(where + difference);
            }

            if (verdict.Agrees && verdict.ByDesign is { } reason)
            {
                output.WriteLine(where + "by design, counted as agreement: " + reason);
            }
        }

        output.WriteLine(report.Summary);
    }

    public static void Json(ReplayReport report, TextWriter output)
    {
        foreach (var verdict in report.Verdicts)
        {
            JsonLine.Write(output, w =>
            {
                if (verdict.Line > 0)
                {
                    w.WriteNumber("line", verdict.Line);
                }
                else
                {
                    w.WriteNull("line");
                }

                w.WriteString("kind", verdict.Kind);
                w.WriteString("what", verdict.What);
                w.WriteBoolean("agree", verdict.Agrees);
                WriteSide(w, "qemu", verdict.Qemu);
                WriteSide(w, "library", verdict.Library);
                w.WriteStartArray("differences");
                foreach (var difference in verdict.Differences)
                {
                    w.WriteStringValue(difference);
                }

                w.WriteEndArray();
                if (verdict.ByDesign is { } reason)
                {
                    w.WriteString("by_design", reason);
                }
            });
        }

        JsonLine.Write(output, w =>
        {
            w.WriteString("trace", report.Trace);
            w.WriteNumber("agree", report.Agree);
            w.WriteNumber("differ", report.Differ);
            w.WriteNumber("by_design", report.AgreeByDesign);
            w.WriteString("summary", report.Summary);
        });
    }

    private static string Location(LineVerdict verdict) => verdict.Line > 0 ? verdict.Line.ToString(CultureInfo.InvariantCulture) : "end";

    private static void WriteSide(Utf8JsonWriter w, string name, Action<Utf8JsonWriter>? side)
    {
        w.WriteStartObject(name);
        side?.Invoke(w);
        w.WriteEndObject();
    }
}
