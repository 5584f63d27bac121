using System.Globalization;
using System.Text.Json;

namespace Spapr.Drc.Sim.Runner;

/// <summary>
/// <c>show [&lt;type&gt; &lt;id&gt;]</c>: one row per connector, then one line per pending unplug of the devices shown,
/// in the library's own words (<see cref="PendingUnplug.ToString"/>), which say why it is still pending.
/// </summary>
internal static class ShowCommand
{
    public static void Execute(ScenarioSession session, ShowStep step, StepOutcome outcome)
    {
        var registry = session.Machine.Registry;
        var connectors = step.Type is { } type ? [session.Connector(step.Line, type, step.Id)] : registry.Connectors;
        var rows = connectors.Select(drc => (
            drc.Index,
            drc.Name,
            drc.State,
            Device: drc.Device is { } device ? Format.Device(device) : null,
            drc.IsUnplugPending,
            RemainingMs: drc.UnplugDeadline is not null && drc.UnplugTimeRemaining is { } left ? (long?)left.TotalMilliseconds : null)).ToList();
        var shown = connectors.Select(drc => drc.Index).ToHashSet();
        var pending = registry.GetPendingUnplugs().Where(p => p.AttachedDevice.Connectors.Any(shown.Contains)).ToList();
        outcome.Summary = string.Create(CultureInfo.InvariantCulture, $"{rows.Count} connector{(rows.Count == 1 ? string.Empty : "s")}");
        foreach (var row in rows)
        {
            var unplug = row.IsUnplugPending
                ? ", unplug pending" + (row.RemainingMs is { } ms ? $" ({Format.Time(ms)} left)" : " (no timeout running)")
                : string.Empty;
            outcome.Details.Add($"{Format.Connector(row.Name, row.Index)}  state {Format.State(row.State)}, device {row.Device ?? "none"}{unplug}");
        }

        foreach (var request in pending)
        {
            outcome.Details.Add(request.ToString());
        }

        outcome.Json = w =>
        {
            w.WriteStartArray("connectors");
            foreach (var row in rows)
            {
                w.WriteStartObject();
                w.WriteString("index", Format.Index(row.Index));
                w.WriteString("name", row.Name);
                w.WriteNumber("state", (int)row.State);
                WriteStringOrNull(w, "device", row.Device);
                w.WriteBoolean("unplug_requested", row.IsUnplugPending);
                WriteNumberOrNull(w, "remaining_ms", row.RemainingMs);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("pending");
            foreach (var request in pending)
            {
                WritePending(w, request);
            }

            w.WriteEndArray();
        };
    }

    /// <summary>One pending unplug as a JSON object: the one place its fields are written, so new ones go here.</summary>
    private static void WritePending(Utf8JsonWriter w, PendingUnplug request)
    {
        w.WriteStartObject();
        w.WriteNumber("request_id", request.RequestId);
        w.WriteString("device", Format.Device(request.Device));
        w.WriteString("index", Format.Index(request.Index));
        w.WriteStartArray("waiting");
        foreach (var index in request.Waiting)
        {
            w.WriteStringValue(Format.Index(index));
        }

        w.WriteEndArray();
        w.WriteNumber("retries", request.RetryCount);
        w.WriteBoolean("timed_out", request.TimedOut);
        WriteNumberOrNull(w, "remaining_ms", request.TimeRemaining == Timeout.InfiniteTimeSpan ? null : (long)request.TimeRemaining.TotalMilliseconds);
        w.WriteEndObject();
    }

    private static void WriteStringOrNull(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteNumberOrNull(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } number)
        {
            w.WriteNumber(name, number);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
