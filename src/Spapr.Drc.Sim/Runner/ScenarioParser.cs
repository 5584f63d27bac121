using System.Globalization;

namespace Spapr.Drc.Sim.Runner;

/// <summary>
/// Parses the scenario language of SPEC section 9. The whole file is parsed before anything runs, so a
/// malformed line stops the scenario before it has half happened.
/// </summary>
internal static class ScenarioParser
{
    internal const string Verbs = "machine, connector, plug, unplug, cancel, rtas, guest, check-exception, advance, pause, resume, reset, negotiate, save, load, show, expect";

    /// <summary>The connector types by their words, from the library's class table (no other list of types exists).</summary>
    private static readonly Dictionary<string, DrcType> Types = DrcKind.All.ToDictionary(k => Format.TypeWord(k.Type), k => k.Type, StringComparer.Ordinal);

    /// <summary>"cpu, phb, pci, lmb, pmem": the type words in table order, for messages.</summary>
    private static readonly string TypeNames = string.Join(", ", DrcKind.All.Select(k => Format.TypeWord(k.Type)));

    private static readonly Dictionary<string, UnplugTimeoutPolicy> Policies = Format.TimeoutPolicies.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    private static readonly Dictionary<string, uint> IndicatorTypes = Format.Indicators.ToDictionary(i => i.Value, i => (uint)i.Key, StringComparer.Ordinal);

    private static readonly Dictionary<string, uint> IndicatorValues = Format.IndicatorValues.ToDictionary(v => v.Word, v => v.Value, StringComparer.Ordinal);

    private static readonly Dictionary<string, GuestAction> GuestActions = Enum.GetValues<GuestAction>().ToDictionary(a => Format.GuestVerb(a)["guest ".Length..], a => a, StringComparer.Ordinal);

    /// <summary>Parses a whole scenario.</summary>
    /// <exception cref="ScenarioException">The first malformed line.</exception>
    public static IReadOnlyList<ScenarioStep> Parse(string text)
    {
        var steps = new List<ScenarioStep>();
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (ParseLine(i + 1, lines[i]) is { } step)
            {
                steps.Add(step);
            }
        }

        return steps;
    }

    /// <summary>Parses one line; <see langword="null"/> for a blank or comment line.</summary>
    public static ScenarioStep? ParseLine(int line, string raw)
    {
        var trimmed = raw.Trim();
        if (trimmed.StartsWith("expect", StringComparison.Ordinal) && (trimmed.Length == 6 || char.IsWhiteSpace(trimmed[6])))
        {
            // The expected text is taken verbatim: it may contain '#'.
            var expected = trimmed[6..].Trim();
            if (expected.Length == 0)
            {
                throw new ScenarioException(line, "expect needs the text to look for");
            }

            return new ExpectStep(line, trimmed, expected);
        }

        int hash = trimmed.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
        {
            trimmed = trimmed[..hash].TrimEnd();
        }

        if (trimmed.Length == 0)
        {
            return null;
        }

        var words = trimmed.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var reader = new Words(line, words);
        var verb = reader.Next("a command");
        ScenarioStep step = verb switch
        {
            "machine" => ParseMachine(line, trimmed, reader),
            "connector" => ParseConnector(line, trimmed, reader),
            "plug" => ParsePlug(line, trimmed, reader),
            "unplug" => new UnplugStep(line, trimmed, ParseTarget(reader)),
            "cancel" => new CancelStep(line, trimmed, ParseTarget(reader)),
            "rtas" => ParseRtas(line, trimmed, reader),
            "guest" => ParseGuest(line, trimmed, reader),
            "check-exception" => new CheckExceptionStep(line, trimmed, reader.AtEnd ? uint.MaxValue : ParseMask(line, reader.Next("an event mask"))),
            "advance" => new AdvanceStep(line, trimmed, ParseDuration(line, reader.Next("a duration such as 15s, 250ms or 2m"), allowNone: false)),
            "pause" or "resume" or "reset" or "negotiate" or "save" or "load" => new PlainStep(line, verb, trimmed),
            "show" => reader.AtEnd ? new ShowStep(line, trimmed, null, 0) : ParseShow(line, trimmed, reader),
            _ => throw new ScenarioException(line, $"unknown command '{verb}' (expected one of: {Verbs})"),
        };
        reader.ExpectEnd(step.Verb);
        return step;
    }

    internal static DrcType ParseType(int line, string word) => Types.TryGetValue(word.ToLowerInvariant(), out var type)
        ? type
        : throw new ScenarioException(line, $"unknown connector type '{word}' (expected {TypeNames})");

    internal static bool IsType(string word) => Types.ContainsKey(word.ToLowerInvariant());

    /// <summary>A 32-bit number, hex with <c>0x</c> or decimal.</summary>
    internal static uint ParseNumber(int line, string word, string what)
    {
        var span = word.AsSpan();
        bool ok = span.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.TryParse(span[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint value)
            : uint.TryParse(span, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        return ok ? value : throw new ScenarioException(line, $"bad number '{word}' for {what} (expected decimal or 0x-prefixed hex, 32 bits)");
    }

    internal static uint ParseId(int line, string word)
    {
        uint id = ParseNumber(line, word, "a connector id");
        return id <= DrcIndex.MaxId ? id : throw new ScenarioException(line, $"connector id {word} does not fit in 28 bits (at most 0x{DrcIndex.MaxId:X7})");
    }

    /// <summary>A duration such as <c>15s</c>, <c>250ms</c>, <c>2m</c>, <c>1h</c>, <c>1.5s</c>; <c>none</c> when allowed.</summary>
    internal static TimeSpan ParseDuration(int line, string word, bool allowNone)
    {
        if (allowNone && word.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return Timeout.InfiniteTimeSpan;
        }

        int unitStart = 0;
        while (unitStart < word.Length && (char.IsAsciiDigit(word[unitStart]) || word[unitStart] == '.'))
        {
            unitStart++;
        }

        var unit = word[unitStart..];
        double? factorMs = unit switch
        {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            _ => null,
        };
        if (unitStart == 0 || factorMs is null
            || !double.TryParse(word.AsSpan(0, unitStart), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double amount))
        {
            throw new ScenarioException(line, $"bad duration '{word}' (expected a number and a unit: 250ms, 15s, 2m, 1h{(allowNone ? ", or none" : string.Empty)})");
        }

        double ms = amount * factorMs.Value;
        if (ms > DrcOptions.MaxUnplugTimeout.TotalMilliseconds)
        {
            throw new ScenarioException(line, $"duration '{word}' is too long (at most {DrcOptions.MaxUnplugTimeout.TotalDays:0.#} days)");
        }

        return TimeSpan.FromMilliseconds(Math.Round(ms));
    }

    private static MachineStep ParseMachine(int line, string text, Words reader)
    {
        var policy = UnplugTimeoutPolicy.KeepPending;
        var timeouts = new Dictionary<DrcType, TimeSpan>();
        while (!reader.AtEnd)
        {
            var option = reader.Next("a machine option");
            int eq = option.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == option.Length - 1)
            {
                throw new ScenarioException(line, $"bad machine option '{option}' (expected timeout-action=keep-pending|clear-request or <type>-timeout=<duration>|none)");
            }

            var key = option[..eq];
            var value = option[(eq + 1)..];
            if (key == "timeout-action")
            {
                policy = Policies.TryGetValue(value, out var named)
                    ? named
                    : throw new ScenarioException(line, $"bad timeout-action '{value}' (expected {string.Join(" or ", Policies.Keys)})");
            }
            else if (key.EndsWith("-timeout", StringComparison.Ordinal))
            {
                var type = ParseType(line, key[..^"-timeout".Length]);
                var timeout = ParseDuration(line, value, allowNone: true);
                if (timeout == TimeSpan.Zero)
                {
                    throw new ScenarioException(line, $"{key} must be positive or none");
                }

                timeouts[type] = timeout;
            }
            else
            {
                throw new ScenarioException(line, $"unknown machine option '{key}' (expected timeout-action or <type>-timeout)");
            }
        }

        return new MachineStep(line, text, policy, timeouts);
    }

    private static ConnectorStep ParseConnector(int line, string text, Words reader)
    {
        var type = ParseType(line, reader.Next("a connector type (" + TypeNames + ")"));
        uint id = ParseId(line, reader.Next("a connector id"));
        int count = 1;
        if (!reader.AtEnd)
        {
            uint n = ParseNumber(line, reader.Next("a count"), "a connector count");
            if (n is 0 or > 65536)
            {
                throw new ScenarioException(line, $"connector count {n} out of range (1 .. 65536)");
            }

            count = (int)n;
        }

        if ((ulong)id + (ulong)count - 1 > DrcIndex.MaxId)
        {
            throw new ScenarioException(line, "the connector ids do not fit in 28 bits");
        }

        return new ConnectorStep(line, text, type, id, count);
    }

    private static PlugStep ParsePlug(int line, string text, Words reader)
    {
        var type = ParseType(line, reader.Next("a connector type (" + TypeNames + ")"));
        uint id = ParseId(line, reader.Next("a connector id"));
        bool cold = false;
        int? lmbs = null;
        string? name = null;
        while (!reader.AtEnd)
        {
            var word = reader.Next("a plug option");
            switch (word)
            {
                case "cold":
                    cold = true;
                    break;
                case "hot":
                    cold = false;
                    break;
                case "lmbs":
                    if (!DrcKind.Of(type).DeviceSpansConnectors)
                    {
                        throw new ScenarioException(line, "lmbs <n> is only for lmb devices");
                    }

                    uint n = ParseNumber(line, reader.Next("the number of LMBs"), "the number of LMBs");
                    lmbs = n is >= 1 and <= 65536 ? (int)n : throw new ScenarioException(line, $"lmbs {n} out of range (1 .. 65536)");
                    break;
                case "as":
                    name = reader.Next("a device name");
                    if (IsType(name))
                    {
                        throw new ScenarioException(line, $"a device may not be named like a connector type ('{name}')");
                    }

                    break;
                default:
                    throw new ScenarioException(line, $"unexpected '{word}' in plug (expected cold, lmbs <n> or as <name>)");
            }
        }

        return new PlugStep(line, text, type, id, cold, lmbs, name);
    }

    private static DeviceTarget ParseTarget(Words reader)
    {
        var first = reader.Next("<type> <id> or a device name");
        if (IsType(first))
        {
            return new DeviceTarget(ParseType(reader.Line, first), ParseId(reader.Line, reader.Next("a connector id")), null);
        }

        if (char.IsAsciiDigit(first[0]))
        {
            throw new ScenarioException(reader.Line, $"'{first}' is neither a connector type ({TypeNames}) nor a device name");
        }

        return new DeviceTarget(null, 0, first);
    }

    private static ScenarioStep ParseRtas(int line, string text, Words reader)
    {
        var call = reader.Next("an RTAS call (set-indicator, get-sensor-state, configure-connector)");
        switch (call)
        {
            case "set-indicator":
                uint indicator = ParseIndicator(line, reader.Next("an indicator type (isolation, allocation, dr-indicator or a number)"));
                uint index = ParseNumber(line, reader.Next("a connector index"), "a connector index");
                uint value = ParseIndicatorValue(line, reader.Next("an indicator value"));
                return new SetIndicatorStep(line, text, indicator, index, value);
            case "get-sensor-state":
                var sensorWord = reader.Next("a sensor type (entity-sense or a number)");
                uint sensor = sensorWord == Format.EntitySenseWord ? (uint)RtasSensor.EntitySense : ParseNumber(line, sensorWord, "a sensor type");
                return new GetSensorStateStep(line, text, sensor, ParseNumber(line, reader.Next("a connector index"), "a connector index"));
            case "configure-connector":
                return new ConfigureConnectorStep(line, text, ParseNumber(line, reader.Next("a connector index"), "a connector index"));
            default:
                throw new ScenarioException(line, $"unknown RTAS call '{call}' (expected set-indicator, get-sensor-state or configure-connector)");
        }
    }

    private static uint ParseIndicator(int line, string word) =>
        IndicatorTypes.TryGetValue(word, out uint indicator) ? indicator : ParseNumber(line, word, "an indicator type");

    private static uint ParseIndicatorValue(int line, string word) =>
        IndicatorValues.TryGetValue(word, out uint value) ? value : ParseNumber(line, word, "an indicator value");

    private static GuestStep ParseGuest(int line, string text, Words reader)
    {
        var word = reader.Next("add, remove or reject");
        var action = GuestActions.TryGetValue(word, out var named)
            ? named
            : throw new ScenarioException(line, $"unknown guest action '{word}' (expected add, remove or reject)");
        var target = ParseTarget(reader);
        if (reader.AtEnd)
        {
            return new GuestStep(line, text, action, target);
        }

        var word2 = reader.Next("after <n>");
        if (word2 != "after" || action != GuestAction.Reject || target.Name is null)
        {
            throw new ScenarioException(line, $"unexpected '{word2}' in guest {Format.GuestVerb(action)["guest ".Length..]} (only 'guest reject <device name> after <n>' takes more)");
        }

        uint taken = ParseNumber(line, reader.Next("the number of connectors the guest took down before it failed"), "a connector count");
        return taken <= 65536
            ? new GuestStep(line, text, action, target, (int)taken)
            : throw new ScenarioException(line, $"after {taken} out of range (0 .. 65536)");
    }

    private static uint ParseMask(int line, string word) => word switch
    {
        "epow" => (uint)RtasEventClasses.Epow,
        "hotplug" => (uint)RtasEventClasses.Hotplug,
        "all" => uint.MaxValue,
        _ => ParseNumber(line, word, "an event mask"),
    };

    private static ShowStep ParseShow(int line, string text, Words reader)
    {
        var type = ParseType(line, reader.Next("a connector type"));
        return new ShowStep(line, text, type, ParseId(line, reader.Next("a connector id")));
    }

    /// <summary>Reads the words of a line, saying what was missing when one is.</summary>
    private sealed class Words(int line, string[] words)
    {
        private int _next;

        public int Line => line;

        public bool AtEnd => _next >= words.Length;

        public string Next(string what) => _next < words.Length
            ? words[_next++]
            : throw new ScenarioException(line, $"missing argument: expected {what}");

        public void ExpectEnd(string verb)
        {
            if (!AtEnd)
            {
                throw new ScenarioException(line, $"unexpected '{words[_next]}' after {verb}");
            }
        }
    }
}
