using System.Globalization;
using System.Text.Json;
using Spapr.Drc.Sim.Runner;

namespace Spapr.Drc.Sim.Replay;

/// <summary>
/// Reads a real-guest trace: JSON lines, the machine line first (tests/Spapr.Drc.RealGuest/README.md has the format).
/// The whole file is read before anything is replayed, so a malformed line stops the replay before it starts; every
/// error names its line. Keys the replay does not use (QEMU and kernel versions, notes) are ignored.
/// </summary>
internal static class TraceReader
{
    /// <summary>The LMB size of PAPR machines and of the library (SPEC section 1).</summary>
    public const int LmbMb = 256;

    // Far beyond any machine (4 TiB of hot-pluggable memory is 16,384 LMBs), small enough that a wrong line cannot
    // make the replay allocate without bound.
    private const int MaxLmbs = 1 << 20;
    private const int MaxCpus = 65_536;

    private static readonly Dictionary<string, DrcType> DeviceTypes =
        DrcKind.All.ToDictionary(k => Format.TypeWord(k.Type), k => k.Type, StringComparer.Ordinal);

    private static readonly Dictionary<string, QmpEvent> QmpEvents = new(StringComparer.Ordinal)
    {
        ["DEVICE_DELETED"] = QmpEvent.DeviceDeleted,
        ["DEVICE_UNPLUG_GUEST_ERROR"] = QmpEvent.DeviceUnplugGuestError,
    };

    private static readonly string[] LineKinds = ["machine", "host", "rtas", "qmp"];

    /// <summary>The trace format's name of a QMP event.</summary>
    public static string QmpName(QmpEvent e) => QmpEvents.First(p => p.Value == e).Key;

    /// <summary>Parses a whole trace; <paramref name="name"/> names it in messages.</summary>
    /// <exception cref="TraceException">The first malformed line.</exception>
    public static Trace Parse(string name, string text)
    {
        var raw = text.ReplaceLineEndings("\n").Split('\n');
        MachineLine? machine = null;
        var lines = new List<TraceLine>();
        for (int i = 0; i < raw.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(raw[i]))
            {
                continue;
            }

            int line = i + 1;
            using var document = ParseJson(line, raw[i]);
            var root = document.RootElement;
            string kind = KindOf(line, root);
            if (machine is null)
            {
                machine = kind == "machine"
                    ? ParseMachine(line, root.GetProperty("machine"))
                    : throw new TraceException(line, $"the first line must be the machine line ({{\"machine\": {{...}}}}), not a {kind} line");
                continue;
            }

            lines.Add(kind switch
            {
                "host" => ParseHost(line, root),
                "rtas" => ParseRtas(line, root),
                "qmp" => ParseQmp(line, root),
                _ => throw new TraceException(line, "a second machine line: only the first line describes the machine"),
            });
        }

        return machine is null
            ? throw new TraceException(1, "empty trace: the first line must be the machine line ({\"machine\": {...}})")
            : new Trace(name, machine, lines);
    }

    private static JsonDocument ParseJson(int line, string text)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new TraceException(line, "not JSON: " + e.Message);
        }
    }

    private static string KindOf(int line, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new TraceException(line, $"not a JSON object but {root.ValueKind.ToString().ToLowerInvariant()}");
        }

        var kinds = LineKinds.Where(k => root.TryGetProperty(k, out _)).ToList();
        return kinds.Count == 1
            ? kinds[0]
            : throw new TraceException(line, $"a line has exactly one of the keys {string.Join(", ", LineKinds)}{(kinds.Count == 0 ? string.Empty : $"; this one has {string.Join(" and ", kinds)}")}");
    }

    private static MachineLine ParseMachine(int line, JsonElement machine)
    {
        if (machine.ValueKind != JsonValueKind.Object)
        {
            throw new TraceException(line, "\"machine\" must be an object");
        }

        int maxCpus = Int(line, machine, "maxcpus", 1, MaxCpus);
        int smp = OptionalInt(line, machine, "smp", 1, maxCpus) ?? 1;
        int lmbMb = Int(line, machine, "lmb_mb", 1, int.MaxValue);
        if (lmbMb != LmbMb)
        {
            throw new TraceException(line, string.Create(CultureInfo.InvariantCulture, $"lmb_mb {lmbMb}: a PAPR LMB, and the library's, is {LmbMb} MiB (SPEC section 1)"));
        }

        int ramMb = Int(line, machine, "ram_mb", 0, int.MaxValue);
        int maxMemMb = Int(line, machine, "maxmem_mb", ramMb, int.MaxValue);
        if ((maxMemMb - ramMb) / LmbMb > MaxLmbs)
        {
            throw new TraceException(line, string.Create(CultureInfo.InvariantCulture, $"maxmem_mb {maxMemMb}: more than {MaxLmbs} LMBs of hot-pluggable memory"));
        }

        int numaNodes = OptionalInt(line, machine, "numa_nodes", 1, 4096) ?? 1;
        bool negotiated = machine.TryGetProperty("negotiated", out var n) && n.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? n.GetBoolean()
            : throw new TraceException(line, "machine needs \"negotiated\": true or false (did the guest negotiate hotplug events?)");
        return new MachineLine(line, smp, maxCpus, ramMb, maxMemMb, lmbMb, numaNodes, negotiated);
    }

    private static TraceLine ParseHost(int line, JsonElement root)
    {
        string command = String(line, root, "host");
        string id = String(line, root, "id");
        if (command == "device_del")
        {
            string? error = root.TryGetProperty("error", out var e) && e.ValueKind != JsonValueKind.Null
                ? (e.ValueKind == JsonValueKind.String ? e.GetString() : throw new TraceException(line, "\"error\" must be null or QEMU's error text"))
                : null;
            return new DeviceDelLine(line, id, error);
        }

        if (command != "device_add")
        {
            throw new TraceException(line, $"unknown host command '{command}' (expected device_add or device_del)");
        }

        string typeWord = String(line, root, "type");
        var type = DeviceTypes.TryGetValue(typeWord, out var t)
            ? t
            : throw new TraceException(line, $"unknown device type '{typeWord}' (expected {string.Join(", ", DeviceTypes.Keys)})");
        uint value = IndexField(line, root, "drc");
        if (!DrcIndex.TryFromValue(value, out var first) || DrcIndex.From(type, first.Id) != first)
        {
            throw new TraceException(line, $"drc {Format.Index(value)} is not a {typeWord} connector index");
        }

        bool spans = DrcKind.Of(type).DeviceSpansConnectors;
        int count = OptionalInt(line, root, "count", 1, MaxLmbs) ?? 1;
        if (!spans && count != 1)
        {
            throw new TraceException(line, $"count {count}: only a memory device spans several connectors");
        }

        return new DeviceAddLine(line, id, type, first, count);
    }

    private static RtasLine ParseRtas(int line, JsonElement root)
    {
        string call = String(line, root, "rtas");
        int[] rets = Rets(line, root);
        switch (call)
        {
            case "check-exception":
                var args = Cells(line, root, "args");
                TracedEvent? e = root.TryGetProperty("event", out var ev) && ev.ValueKind != JsonValueKind.Null ? Event(line, ev) : null;
                if ((rets[0] == 0) != (e is not null))
                {
                    throw new TraceException(line, rets[0] == 0 ? "rets [0] needs the \"event\" QEMU wrote" : "an \"event\" goes only with rets [0]");
                }

                return new CheckExceptionLine(line, args, rets, e);
            case "get-sensor-state":
                return new GetSensorStateLine(line, Cells(line, root, "args"), rets);
            case "set-indicator":
                return new SetIndicatorLine(line, Cells(line, root, "args"), rets);
            case "ibm,configure-connector":
                return rets.Length == 1
                    ? new ConfigureConnectorLine(line, IndexField(line, root, "drc"), rets)
                    : throw new TraceException(line, "ibm,configure-connector has exactly one return cell");
            default:
                throw new TraceException(line, $"unknown RTAS call '{call}' (expected check-exception, get-sensor-state, set-indicator or ibm,configure-connector)");
        }
    }

    private static QmpLine ParseQmp(int line, JsonElement root)
    {
        string name = String(line, root, "qmp");
        return QmpEvents.TryGetValue(name, out var e)
            ? new QmpLine(line, e, String(line, root, "id"))
            : throw new TraceException(line, $"unknown QMP event '{name}' (a trace records {string.Join(" and ", QmpEvents.Keys)})");
    }

    private static TracedEvent Event(int line, JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new TraceException(line, "\"event\" must be an object");
        }

        uint? index = e.TryGetProperty("index", out var i) && i.ValueKind != JsonValueKind.Null ? IndexField(line, e, "index") : null;
        int? count = OptionalInt(line, e, "count", 0, int.MaxValue);
        return new TracedEvent(Int(line, e, "type", 0, 255), Int(line, e, "action", 0, 255), Int(line, e, "identifier", 0, 255), index, (uint?)count);
    }

    private static string String(int line, JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s
            ? s
            : throw new TraceException(line, $"missing \"{name}\" (a non-empty string)");

    private static int Int(int line, JsonElement obj, string name, int min, int max) =>
        OptionalInt(line, obj, name, min, max) ?? throw new TraceException(line, $"missing \"{name}\" (a number)");

    private static int? OptionalInt(int line, JsonElement obj, string name, int min, int max)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) && n >= min && n <= max
            ? n
            : throw new TraceException(line, string.Create(CultureInfo.InvariantCulture, $"\"{name}\" must be a whole number from {min} to {max}, not {v.GetRawText()}"));
    }

    private static uint IndexField(int line, JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && TryParseIndex(v.GetString(), out uint index)
            ? index
            : throw new TraceException(line, $"missing \"{name}\" (a DRC index string such as \"0x80000008\")");

    private static uint[] Cells(int line, JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw new TraceException(line, $"missing \"{name}\" (an array of cells)");
        }

        var cells = new uint[array.GetArrayLength()];
        int i = 0;
        foreach (var cell in array.EnumerateArray())
        {
            cells[i] = cell.ValueKind switch
            {
                JsonValueKind.Number when cell.TryGetInt64(out long n) && n is >= int.MinValue and <= uint.MaxValue => unchecked((uint)n),
                JsonValueKind.String when TryParseIndex(cell.GetString(), out uint index) => index,
                _ => throw new TraceException(line, string.Create(CultureInfo.InvariantCulture, $"{name}[{i}] must be a 32-bit number or a \"0x...\" index, not {cell.GetRawText()}")),
            };
            i++;
        }

        return cells;
    }

    private static int[] Rets(int line, JsonElement root)
    {
        var cells = Cells(line, root, "rets");
        return cells.Length > 0 ? [.. cells.Select(c => unchecked((int)c))] : throw new TraceException(line, "\"rets\" is empty: every call returns at least its status");
    }

    private static bool TryParseIndex(string? text, out uint index)
    {
        index = 0;
        return text is { Length: > 2 and <= 10 }
            && text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && uint.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out index);
    }
}
