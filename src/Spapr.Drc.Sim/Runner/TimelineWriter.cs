using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Spapr.Drc.Sim.Runner;

/// <summary>
/// Writes the timeline: for people, one line per command and per notification (ANSI colour when asked);
/// with <c>--json</c>, one JSON object per line with the fields of SPEC section 9.
/// </summary>
internal sealed class TimelineWriter(TextWriter output, bool json, bool color)
{
    private const string Reset = "\u001b[0m";
    private const string Dim = "\u001b[2m";
    private const string Bold = "\u001b[1m";
    private const string Red = "\u001b[31m";
    private const string Green = "\u001b[32m";
    private const string Yellow = "\u001b[33m";
    private const string Cyan = "\u001b[36m";

    public bool Json => json;

    /// <summary>A heading before each scenario (people only: JSON lines stay uniform).</summary>
    public void Heading(string text)
    {
        if (!json)
        {
            output.WriteLine(Paint(Bold, "== " + text + " =="));
        }
    }

    /// <summary>The text of a command as <c>expect</c> searches it (no colour).</summary>
    public static string PlainCommand(StepOutcome outcome)
    {
        var text = new StringBuilder();
        text.Append(CommandLine(outcome, static (_, s) => s));
        foreach (var detail in outcome.Details)
        {
            text.Append('\n').Append(DetailIndent).Append(detail);
        }

        return text.ToString();
    }

    public static string PlainNotification(NotificationInfo n) => NotificationLine(n, static (_, s) => s);

    public void Command(StepOutcome outcome)
    {
        if (json)
        {
            JsonLine.Write(output, w =>
            {
                w.WriteNumber("line", outcome.Step.Line);
                w.WriteString("command", outcome.Step.Verb);
                w.WriteBoolean("ok", outcome.Ok);
                w.WriteNumber("time_ms", outcome.TimeMs);
                outcome.Json?.Invoke(w);
                if (outcome.Changes.Count > 0)
                {
                    w.WriteStartArray("changes");
                    foreach (var c in outcome.Changes)
                    {
                        w.WriteStartObject();
                        w.WriteString("index", Format.Index(c.Index));
                        w.WriteString("name", c.Name);
                        w.WriteNumber("from", (int)c.From);
                        w.WriteNumber("to", (int)c.To);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                }
            });
            return;
        }

        output.WriteLine(CommandLine(outcome, Paint));
        foreach (var detail in outcome.Details)
        {
            output.WriteLine(DetailIndent + (detail.Contains(" -> ", StringComparison.Ordinal) && detail.Contains("): ", StringComparison.Ordinal) ? Paint(Cyan, detail) : detail));
        }
    }

    public void Notification(NotificationInfo n)
    {
        if (json)
        {
            JsonLine.Write(output, w =>
            {
                w.WriteString("event", n.Kind);
                Format.WriteIndexOrNull(w, "index", n.NamesConnector ? n.Index : null);
                w.WriteNumber("time_ms", n.TimeMs);
                w.WriteString("name", n.Name);
                n.Json?.Invoke(w);
            });
            return;
        }

        output.WriteLine(NotificationLine(n, Paint));
    }

    private const string DetailIndent = "                 ";

    private static string CommandLine(StepOutcome outcome, Func<string, string, string> paint)
    {
        var time = paint(Dim, Format.Time(outcome.TimeMs).PadLeft(9));
        var line = paint(Dim, string.Create(CultureInfo.InvariantCulture, $"L{outcome.Step.Line}").PadRight(5));
        var summary = outcome.Summary.Length == 0 ? string.Empty : "  -> " + paint(outcome.Ok ? Green : Red, outcome.Summary);
        return $"{time}  {line} {outcome.Step.Text}{summary}";
    }

    private static string NotificationLine(NotificationInfo n, Func<string, string, string> paint)
    {
        var time = paint(Dim, Format.Time(n.TimeMs).PadLeft(9));
        var colour = n.Kind switch
        {
            NotificationListener.UnplugCompleted => Green,
            NotificationListener.HotplugEventQueued => Dim,
            _ => Yellow,
        };
        string subject = n.NamesConnector ? Format.Connector(n.Name, n.Index) : n.Name;
        return $"{time}  {paint(colour, "* " + n.Kind)}  {subject}{(n.Text.Length > 0 ? ": " + n.Text : string.Empty)}";
    }

    private string Paint(string code, string text) => color ? code + text + Reset : text;
}
