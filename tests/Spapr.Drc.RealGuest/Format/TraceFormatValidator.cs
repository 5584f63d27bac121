using System.Text.Json;
using System.Text.Json.Nodes;

namespace Spapr.Drc.RealGuest.Format;

/// <summary>
/// Checks that a trace uses only the line kinds and shapes of the format, so the replayer can trust it: the machine
/// line first and only there, then host, rtas and qmp lines with exactly their fields and value types.
/// </summary>
public static class TraceFormatValidator
{
    private static readonly string[] MachineNumbers = ["smp", "maxcpus", "ram_mb", "maxmem_mb", "lmb_mb", "numa_nodes"];

    /// <summary>Every problem found, each naming its line; empty when the trace is well formed.</summary>
    public static IReadOnlyList<string> Validate(TraceDocument trace)
    {
        var problems = new List<string>();
        if (trace.Lines.Count == 0)
        {
            problems.Add($"{trace.Name}: empty");
            return problems;
        }

        CheckMachine(trace, problems);
        for (int i = 1; i < trace.Lines.Count; i++)
        {
            string where = $"{trace.Name}:{i + 1}";
            var line = trace.Lines[i];
            var kinds = TraceFormat.EventLineKinds.Where(line.ContainsKey).ToList();
            if (line.ContainsKey(TraceFormat.MachineKind))
            {
                problems.Add($"{where}: a machine line after the first line");
            }
            else if (kinds.Count != 1)
            {
                problems.Add($"{where}: expected exactly one of host/rtas/qmp, got {JsonLine.Write(line)}");
            }
            else
            {
                switch (kinds[0])
                {
                    case TraceFormat.HostKind:
                        CheckHost(line, where, problems);
                        break;
                    case TraceFormat.RtasKind:
                        CheckRtas(line, where, problems);
                        break;
                    default:
                        CheckQmp(line, where, problems);
                        break;
                }
            }
        }

        return problems;
    }

    private static void CheckMachine(TraceDocument trace, List<string> problems)
    {
        string where = $"{trace.Name}:1";
        var first = trace.Lines[0];
        if (trace.Machine is not { } machine || first.Count != 1)
        {
            problems.Add($"{where}: the first line must be {{\"machine\": {{...}}}} alone");
            return;
        }

        RequireString(machine, "qemu", where, problems);
        RequireString(machine, "kernel", where, problems);
        foreach (var key in MachineNumbers)
        {
            if (!IsInteger(machine[key]))
            {
                problems.Add($"{where}: machine.{key} must be a number");
            }
        }

        if (machine["negotiated"] is not JsonValue negotiated || negotiated.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
        {
            problems.Add($"{where}: machine.negotiated must be true or false");
        }
    }

    private static void CheckHost(JsonObject line, string where, List<string> problems)
    {
        string? action = Text(line[TraceFormat.HostKind]);
        if (Text(line["id"]) is null)
        {
            problems.Add($"{where}: host line without a string id");
        }

        switch (action)
        {
            case TraceFormat.DeviceAdd:
                string? type = Text(line["type"]);
                if (type is null || !TraceFormat.DeviceTypes.Contains(type))
                {
                    problems.Add($"{where}: device_add type must be one of {string.Join('/', TraceFormat.DeviceTypes)}");
                }

                RequireIndex(line["drc"], "drc", where, problems);
                if (type == "lmb" && !IsInteger(line["count"]))
                {
                    problems.Add($"{where}: memory device_add needs a count");
                }

                RequireOnly(line, where, problems, "host", "id", "type", "drc", "count");
                break;
            case TraceFormat.DeviceDel:
                if (!line.ContainsKey("error") || (line["error"] is not null && Text(line["error"]) is null))
                {
                    problems.Add($"{where}: device_del needs \"error\": null or QEMU's error text");
                }

                RequireOnly(line, where, problems, "host", "id", "error");
                break;
            default:
                problems.Add($"{where}: unknown host action '{action}'");
                break;
        }
    }

    private static void CheckRtas(JsonObject line, string where, List<string> problems)
    {
        string? call = Text(line[TraceFormat.RtasKind]);
        var rets = line["rets"] as JsonArray;
        var args = line["args"] as JsonArray;
        if (rets is null || rets.Count == 0 || !rets.All(IsInteger))
        {
            problems.Add($"{where}: rets must be a non-empty array of numbers");
        }

        switch (call)
        {
            case TraceFormat.CheckException:
                if (args is null || args.Count == 0 || !args.All(IsInteger))
                {
                    problems.Add($"{where}: check-exception args must be numbers");
                }

                bool dequeued = rets is { Count: > 0 } && IsInteger(rets[0]) && rets[0]!.GetValue<long>() == 0;
                if (dequeued)
                {
                    CheckEvent(line["event"], where, problems);
                }
                else if (line.ContainsKey("event"))
                {
                    problems.Add($"{where}: an event on a check-exception that returned no event");
                }

                RequireOnly(line, where, problems, "rtas", "args", "rets", "event");
                break;
            case TraceFormat.GetSensorState:
                if (args is not { Count: 2 } || !IsInteger(args[0]))
                {
                    problems.Add($"{where}: get-sensor-state args must be [sensor, \"index\"]");
                }
                else
                {
                    RequireIndex(args[1], "args[1]", where, problems);
                }

                if (rets is not { Count: 2 })
                {
                    problems.Add($"{where}: get-sensor-state rets must be [status, value]");
                }

                RequireOnly(line, where, problems, "rtas", "args", "rets");
                break;
            case TraceFormat.SetIndicator:
                if (args is not { Count: 3 } || !IsInteger(args[0]) || !IsInteger(args[2]))
                {
                    problems.Add($"{where}: set-indicator args must be [indicator, \"index\", value]");
                }
                else
                {
                    RequireIndex(args[1], "args[1]", where, problems);
                }

                if (rets is not { Count: 1 })
                {
                    problems.Add($"{where}: set-indicator rets must be [status]");
                }

                RequireOnly(line, where, problems, "rtas", "args", "rets");
                break;
            case TraceFormat.ConfigureConnector:
                RequireIndex(line["drc"], "drc", where, problems);
                if (rets is not { Count: 1 })
                {
                    problems.Add($"{where}: ibm,configure-connector rets must be [status]");
                }

                RequireOnly(line, where, problems, "rtas", "drc", "rets");
                break;
            default:
                problems.Add($"{where}: '{call}' is not a DRC RTAS call of the format");
                break;
        }
    }

    private static void CheckEvent(JsonNode? node, string where, List<string> problems)
    {
        if (node is not JsonObject ev)
        {
            problems.Add($"{where}: check-exception returned 0 but has no decoded event");
            return;
        }

        foreach (var key in new[] { "type", "action", "identifier" })
        {
            if (!IsInteger(ev[key]))
            {
                problems.Add($"{where}: event.{key} must be a number");
            }
        }

        // The payload carries an index, a count, or both, depending on the identifier; the absent one is null.
        if (!ev.ContainsKey("index") || (ev["index"] is not null && !TraceFormat.TryParseIndex(Text(ev["index"]), out _)))
        {
            problems.Add($"{where}: event.index must be a \"0x%08x\" string or null");
        }

        if (!ev.ContainsKey("count") || (ev["count"] is not null && !IsInteger(ev["count"])))
        {
            problems.Add($"{where}: event.count must be a number or null");
        }

        if (ev.Count != 5)
        {
            problems.Add($"{where}: event must have exactly type, action, identifier, index, count");
        }
    }

    private static void CheckQmp(JsonObject line, string where, List<string> problems)
    {
        string? name = Text(line[TraceFormat.QmpKind]);
        if (name is null || !TraceFormat.QmpEvents.Contains(name))
        {
            problems.Add($"{where}: qmp event must be one of {string.Join('/', TraceFormat.QmpEvents)}");
        }

        if (Text(line["id"]) is null)
        {
            problems.Add($"{where}: qmp line without a string id");
        }

        RequireOnly(line, where, problems, "qmp", "id");
    }

    private static void RequireOnly(JsonObject line, string where, List<string> problems, params string[] allowed)
    {
        foreach (var (key, _) in line)
        {
            if (!allowed.Contains(key))
            {
                problems.Add($"{where}: unexpected field '{key}'");
            }
        }
    }

    private static void RequireString(JsonObject obj, string key, string where, List<string> problems)
    {
        if (Text(obj[key]) is null)
        {
            problems.Add($"{where}: machine.{key} must be a string");
        }
    }

    private static void RequireIndex(JsonNode? node, string what, string where, List<string> problems)
    {
        if (!TraceFormat.TryParseIndex(Text(node), out _))
        {
            problems.Add($"{where}: {what} must be a DRC index string like \"0x10000001\"");
        }
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    private static bool IsInteger(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out long _);
}
