namespace Spapr.Drc.RealGuest.Format;

/// <summary>The six recorded scenarios of issue 15, section 1: file name, what happens, and the facts its trace must show.</summary>
public static class ScenarioCatalog
{
    public const string CpuAddRemove = "cpu-add-remove";
    public const string DimmAddRemove = "dimm-add-remove";
    public const string CpuUnplugRefusedThenRetried = "cpu-unplug-refused-then-retried";
    public const string DimmRefusedPartWay = "dimm-refused-part-way";
    public const string DimmRefusedFirstLmb = "dimm-refused-first-lmb";
    public const string GuestLmbRemove = "guest-lmb-remove";

    /// <summary>Scenario name to its fact check.</summary>
    public static IReadOnlyDictionary<string, Func<TraceDocument, IReadOnlyList<string>>> Facts { get; } =
        new Dictionary<string, Func<TraceDocument, IReadOnlyList<string>>>
        {
            [CpuAddRemove] = ScenarioFacts.CpuAddRemove,
            [DimmAddRemove] = ScenarioFacts.DimmAddRemove,
            [CpuUnplugRefusedThenRetried] = ScenarioFacts.CpuUnplugRefusedThenRetried,
            [DimmRefusedPartWay] = ScenarioFacts.DimmRefusedPartWay,
            [DimmRefusedFirstLmb] = ScenarioFacts.DimmRefusedFirstLmb,
            [GuestLmbRemove] = ScenarioFacts.GuestLmbRemove,
        };

    public static IReadOnlyList<string> Names { get; } = [.. Facts.Keys];

    public static string FileName(string scenario) => scenario + ".jsonl";
}
