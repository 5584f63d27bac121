using System.Globalization;
using System.Text.Json;

namespace Spapr.Drc.Sim.Runner;

/// <summary>
/// The one place where drcsim turns values into names and texts: numbers with their names, the scenario language's
/// words for types, classes, indicators and outcomes, and connector names. The parser reads its word tables from here,
/// so what drcsim prints and what it accepts cannot drift apart.
/// </summary>
internal static class Format
{
    /// <summary>The guest's words for the values of the indicators that have them (SPEC section 2), by value.</summary>
    private static readonly Dictionary<RtasIndicator, string[]> IndicatorValueWords = new()
    {
        [RtasIndicator.Isolation] = ["isolate", "unisolate"],
        [RtasIndicator.Allocation] = ["unusable", "usable"],
    };

    private static readonly Dictionary<RtasIndicator, string> IndicatorWords = new()
    {
        [RtasIndicator.Isolation] = "isolation",
        [RtasIndicator.Allocation] = "allocation",
        [RtasIndicator.DrIndicator] = "dr-indicator",
    };

    private static readonly Dictionary<UnplugOutcome, string> OutcomeWords = new()
    {
        [UnplugOutcome.Completed] = "completed",
        [UnplugOutcome.CompletedByReset] = "completed-by-reset",
        [UnplugOutcome.RejectedByGuest] = "rejected-by-guest",
        [UnplugOutcome.Cancelled] = "cancelled",
        [UnplugOutcome.TimedOut] = "timed-out",
        [UnplugOutcome.RemovedWithOwner] = "removed-with-owner",
    };

    private static readonly Dictionary<UnplugTimeoutPolicy, string> PolicyWords = new()
    {
        [UnplugTimeoutPolicy.KeepPending] = "keep-pending",
        [UnplugTimeoutPolicy.ClearRequest] = "clear-request",
    };

    private static readonly Dictionary<DrcTransitionCondition, string> ConditionTexts = new()
    {
        [DrcTransitionCondition.NoDevice] = "no device",
        [DrcTransitionCondition.UnplugPending] = "unplug pending",
        [DrcTransitionCondition.UnplugPendingWithDevice] = "unplug pending with device",
        [DrcTransitionCondition.IsolateWithoutRequest] = "LMB without unplug request",
    };

    /// <summary>The sensor word of <c>rtas get-sensor-state</c> and of the guest's first call.</summary>
    public const string EntitySenseWord = "entity-sense";

    /// <summary>The machine option words for the timeout policies, in the library's order.</summary>
    public static IReadOnlyDictionary<UnplugTimeoutPolicy, string> TimeoutPolicies => PolicyWords;

    /// <summary>The indicator words <c>rtas set-indicator</c> accepts.</summary>
    public static IReadOnlyDictionary<RtasIndicator, string> Indicators => IndicatorWords;

    /// <summary>Every indicator value word and its value (isolate 0, unisolate 1, unusable 0, usable 1).</summary>
    public static IEnumerable<(string Word, uint Value)> IndicatorValues =>
        IndicatorValueWords.Values.SelectMany(words => words.Select((word, value) => (word, (uint)value)));

    public static string State(DrcState state) => string.Create(CultureInfo.InvariantCulture, $"{(int)state} {state}");

    public static string Status(RtasStatus status) => string.Create(CultureInfo.InvariantCulture, $"{(int)status} ({status})");

    public static string Status(ConfigureConnectorStatus status) => string.Create(CultureInfo.InvariantCulture, $"{(int)status} ({status})");

    /// <summary>An entity-sense reading with its name: "2 (Unusable)".</summary>
    public static string EntitySense(uint value) => string.Create(CultureInfo.InvariantCulture, $"{value} ({(Drc.EntitySense)value})");

    public static string Time(long ms) => string.Create(CultureInfo.InvariantCulture, $"{ms / 1000.0:0.000}s");

    public static string Duration(TimeSpan span) => span == Timeout.InfiniteTimeSpan
        ? "no timeout"
        : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.###}s");

    /// <summary>An index as JSON and the timeline write it: "0x10000001"; empty for an event that names none.</summary>
    public static string Index(DrcIndex? index) => index?.ToString() ?? string.Empty;

    /// <summary>An index field of the JSON output: the index string, or null for an event that names none (an Add by count).</summary>
    public static void WriteIndexOrNull(Utf8JsonWriter writer, string name, DrcIndex? index)
    {
        if (index is { } named)
        {
            writer.WriteString(name, Index(named));
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    /// <summary>A raw index cell from a scenario line (which may name no connector type): "0x10000005".</summary>
    public static string Index(uint index) => new DrcIndex(index).ToString();

    public static string Connector(SpaprDrc drc) => $"{drc.Name} ({drc.Index})";

    public static string Connector(string name, DrcIndex index) => $"{name} ({index})";

    /// <summary>Any index by its connector name, also one no longer on the machine: "LMB 9 (0x80000009)".</summary>
    public static string Connector(DrcIndex index) => Connector(ConnectorName(index), index);

    /// <summary>The library's name of a connector index ("CPU 1", "C65544").</summary>
    public static string ConnectorName(DrcIndex index) => DrcKind.NameOf(index);

    /// <summary>A connector type as the scenario language writes it: cpu, phb, pci, lmb, pmem.</summary>
    public static string TypeWord(DrcType type) => type.ToString().ToLowerInvariant();

    /// <summary>A connector class as <c>drcsim diagram --class</c> writes it: logical, physical.</summary>
    public static string ClassWord(DrcClass drcClass) => drcClass.ToString().ToLowerInvariant();

    /// <summary>The classes by their words, for <c>--class</c>.</summary>
    public static IReadOnlyDictionary<string, DrcClass> Classes { get; } =
        Enum.GetValues<DrcClass>().ToDictionary(ClassWord, c => c, StringComparer.Ordinal);

    /// <summary>A connector as a scenario line names it, to tell the user what to write: "cpu 7".</summary>
    public static string ConnectorWords(DrcType type, uint id) => string.Create(CultureInfo.InvariantCulture, $"{TypeWord(type)} {id}");

    /// <summary>The name of a device plugged without <c>as &lt;name&gt;</c>: "cpu1", "pci65544".</summary>
    public static string DefaultDeviceName(DrcType type, uint id) => TypeWord(type) + id.ToString(CultureInfo.InvariantCulture);

    /// <summary>An emulator device object by the name the scenario gave it.</summary>
    public static string Device(object device) => device.ToString() ?? string.Empty;

    /// <summary>A plug mode as <c>plug</c> writes it: cold, hot.</summary>
    public static string PlugMode(PlugMode mode) => mode.ToString().ToLowerInvariant();

    /// <summary>The verb of a guest command: "guest add".</summary>
    public static string GuestVerb(GuestAction action) => "guest " + action.ToString().ToLowerInvariant();

    public static string TimeoutPolicy(UnplugTimeoutPolicy policy) => PolicyWords[policy];

    public static string Outcome(UnplugOutcome outcome) =>
        OutcomeWords.TryGetValue(outcome, out var word) ? word : outcome.ToString().ToLowerInvariant();

    public static string Indicator(RtasIndicator indicator) =>
        IndicatorWords.TryGetValue(indicator, out var word) ? word : ((uint)indicator).ToString(CultureInfo.InvariantCulture);

    /// <summary>An indicator value by the guest's word for it ("unisolate"), or its number when it has none.</summary>
    public static string IndicatorValue(RtasIndicator indicator, uint value) =>
        IndicatorValueWords.TryGetValue(indicator, out var words) && value < words.Length ? words[value] : value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A guest set-indicator call as the timeline shows it: "set-indicator isolation unisolate".</summary>
    public static string SetIndicatorCall(RtasIndicator indicator, uint value) => $"set-indicator {Indicator(indicator)} {IndicatorValue(indicator, value)}";

    /// <summary>The condition of a transition row, as the state diagrams label it; empty for "otherwise".</summary>
    public static string Condition(DrcTransitionCondition condition) => ConditionTexts.GetValueOrDefault(condition, string.Empty);

    public static string UnplugResult(UnplugRequestStatus status) => status switch
    {
        UnplugRequestStatus.Requested => "requested",
        UnplugRequestStatus.Retried => "retried",
        UnplugRequestStatus.CompletedImmediately => "completed-immediately",
        UnplugRequestStatus.AlreadyPending => "already-pending",
        UnplugRequestStatus.NoDevice => "no-device",
        _ => "not-allowed",
    };

    public static string HotplugType(HotplugType type) => type switch
    {
        Drc.HotplugType.Cpu => "cpu",
        Drc.HotplugType.Memory => "memory",
        Drc.HotplugType.Phb => "phb",
        Drc.HotplugType.Pci => "pci",
        _ => "pmem",
    };

    public static string Action(HotplugAction action) => action == HotplugAction.Add ? "add" : "remove";

    public static string Identifier(HotplugIdentifier identifier) => identifier switch
    {
        HotplugIdentifier.DrcIndex => "drc-index",
        HotplugIdentifier.DrcCount => "drc-count",
        _ => "drc-count-indexed",
    };

    public static string EventClass(RtasEventClasses classes) => classes == RtasEventClasses.Hotplug ? "hot-plug class" : "EPOW class";

    /// <summary>An event as a person reads it: "remove cpu by drc-index 0x10000001 (EPOW class)".</summary>
    public static string Event(HotplugEvent e)
    {
        var what = e.Identifier switch
        {
            HotplugIdentifier.DrcIndex => $"{e.Index}",
            HotplugIdentifier.DrcCount => string.Create(CultureInfo.InvariantCulture, $"count {e.Count}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"count {e.Count} from {e.Index}"),
        };
        return $"{Action(e.Action)} {HotplugType(e.Type)} by {Identifier(e.Identifier)} {what} ({EventClass(e.EventClass)})";
    }

    /// <summary>What a queued event is about: the connector it names, or "memory" for an Add by count (it names none).</summary>
    public static string EventSubject(HotplugEvent e) => e.Index is { } index ? ConnectorName(index) : "memory";
}
