using System.Text.Json;

namespace Spapr.Drc.Sim.Runner;

/// <summary>What one command did: a summary for people, detail lines, and the extra JSON fields of SPEC section 9.</summary>
internal sealed class StepOutcome(ScenarioStep step, long timeMs)
{
    public ScenarioStep Step { get; } = step;

    public long TimeMs { get; } = timeMs;

    public bool Ok { get; set; } = true;

    public string Summary { get; set; } = string.Empty;

    public List<string> Details { get; } = [];

    /// <summary>Writes the command's extra JSON fields (after line, command, ok, time_ms).</summary>
    public Action<Utf8JsonWriter>? Json { get; set; }

    /// <summary>The state changes of the command, for the JSON <c>changes</c> array.</summary>
    public List<StateChange> Changes { get; } = [];
}

/// <summary>One connector changing state.</summary>
internal readonly record struct StateChange(DrcIndex Index, string Name, DrcState From, DrcState To)
{
    public override string ToString() => $"{Format.Connector(Name, Index)}: {Format.State(From)} -> {Format.State(To)}";
}

/// <summary>
/// A notification the registry raised, as the timeline shows it. <paramref name="NamesConnector"/> is false for a
/// memory Add by count, which names no connector: its JSON index is then null and <paramref name="Index"/> unused.
/// </summary>
internal sealed record NotificationInfo(long TimeMs, string Kind, DrcIndex Index, string Name, string Text, Action<Utf8JsonWriter>? Json, bool NamesConnector = true);
