using System.Globalization;
using System.Text.Json.Nodes;

namespace Spapr.Drc.RealGuest.Format;

/// <summary>
/// Read-only questions about a well-formed trace, used by the scenario facts: where a host action is, which DRC calls
/// touched one connector between two lines (in a compact text form), which QMP events and hotplug events occurred.
/// </summary>
public sealed class TraceQuery
{
    private readonly IReadOnlyList<JsonObject> _lines;

    public TraceQuery(TraceDocument trace)
    {
        Trace = trace;
        _lines = trace.Lines;
    }

    public TraceDocument Trace { get; }

    public int Count => _lines.Count;

    public JsonObject this[int index] => _lines[index];

    /// <summary>Line numbers (0-based, the machine line is 0) of host lines with this action, optionally for one id.</summary>
    public IReadOnlyList<int> HostLines(string action, string? id = null) =>
        Enumerable.Range(0, _lines.Count)
            .Where(i => Text(_lines[i][TraceFormat.HostKind]) == action && (id is null || Text(_lines[i]["id"]) == id))
            .ToList();

    /// <summary>Line numbers of QMP events of this name in [from, to), optionally for one device id.</summary>
    public IReadOnlyList<int> QmpLines(string name, string? id, int from = 0, int to = int.MaxValue) =>
        Range(from, to).Where(i => Text(_lines[i][TraceFormat.QmpKind]) == name && (id is null || Text(_lines[i]["id"]) == id)).ToList();

    /// <summary>Line numbers of RTAS lines in [from, to), optionally only those of one call.</summary>
    public IReadOnlyList<int> RtasLines(int from = 0, int to = int.MaxValue, string? call = null) =>
        Range(from, to).Where(i => Text(_lines[i][TraceFormat.RtasKind]) is { } c && (call is null || c == call)).ToList();

    /// <summary>The decoded hotplug events check-exception returned in [from, to), as "type/action/identifier index count".</summary>
    public IReadOnlyList<string> HotplugEvents(int from = 0, int to = int.MaxValue) =>
        RtasLines(from, to, TraceFormat.CheckException)
            .Select(i => _lines[i]["event"] as JsonObject)
            .Where(e => e is not null)
            .Select(e => string.Create(
                CultureInfo.InvariantCulture,
                $"{e!["type"]}/{e["action"]}/{e["identifier"]} {Text(e["index"]) ?? "-"} {e["count"]?.ToJsonString() ?? "-"}"))
            .ToList();

    /// <summary>
    /// The DRC calls on one connector in [from, to), one string each: "get-sensor-state -> 0,2",
    /// "set-indicator 9003=1 -> 0", and a run of configure-connector calls as "configure-connector walk -> 0" when every
    /// call but the last returned a walk code (1..5), else "configure-connector -> 2,3,..." with every code.
    /// </summary>
    public IReadOnlyList<string> DrcCalls(uint drc, int from = 0, int to = int.MaxValue)
    {
        string index = TraceFormat.FormatIndex(drc);
        var result = new List<string>();
        var walk = new List<long>();
        void FlushWalk()
        {
            if (walk.Count == 0)
            {
                return;
            }

            bool isWalk = walk.Take(walk.Count - 1).All(code => code is >= 1 and <= 5);
            result.Add(isWalk
                ? string.Create(CultureInfo.InvariantCulture, $"configure-connector walk -> {walk[^1]}")
                : "configure-connector -> " + string.Join(',', walk));
            walk.Clear();
        }

        foreach (int i in RtasLines(from, to))
        {
            var line = _lines[i];
            var args = line["args"] as JsonArray;
            var rets = (JsonArray)line["rets"]!;
            switch (Text(line[TraceFormat.RtasKind]))
            {
                case TraceFormat.ConfigureConnector when Text(line["drc"]) == index:
                    walk.Add(rets[0]!.GetValue<long>());
                    break;
                case TraceFormat.GetSensorState when Text(args![1]) == index:
                    FlushWalk();
                    result.Add(string.Create(CultureInfo.InvariantCulture, $"get-sensor-state -> {rets[0]},{rets[1]}"));
                    break;
                case TraceFormat.SetIndicator when Text(args![1]) == index:
                    FlushWalk();
                    result.Add(string.Create(CultureInfo.InvariantCulture, $"set-indicator {args[0]}={args[2]} -> {rets[0]}"));
                    break;
                default:
                    // A call on another connector (or check-exception) ends a walk only if it is a walk of another DRC.
                    if (Text(line[TraceFormat.RtasKind]) == TraceFormat.ConfigureConnector)
                    {
                        FlushWalk();
                    }

                    break;
            }
        }

        FlushWalk();
        return result;
    }

    /// <summary>The DRC index and connector count of a device_add line.</summary>
    public (uint Drc, int Count) DeviceAddTarget(int line)
    {
        TraceFormat.TryParseIndex(Text(_lines[line]["drc"]), out uint drc);
        int count = _lines[line]["count"] is JsonValue v && v.TryGetValue(out int n) ? n : 1;
        return (drc, count);
    }

    public static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    private IEnumerable<int> Range(int from, int to) => Enumerable.Range(from, Math.Max(0, Math.Min(to, _lines.Count) - from));
}
