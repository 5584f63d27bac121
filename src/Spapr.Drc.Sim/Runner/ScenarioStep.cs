namespace Spapr.Drc.Sim.Runner;

/// <summary>One parsed scenario line. <see cref="Verb"/> is the command as the JSON output names it.</summary>
internal abstract record ScenarioStep(int Line, string Verb, string Text);

/// <summary>A device named either by its connector (type and id) or by the name given at plug time.</summary>
internal readonly record struct DeviceTarget(DrcType? Type, uint Id, string? Name);

internal sealed record MachineStep(int Line, string Text, UnplugTimeoutPolicy Policy, IReadOnlyDictionary<DrcType, TimeSpan> Timeouts)
    : ScenarioStep(Line, "machine", Text);

internal sealed record ConnectorStep(int Line, string Text, DrcType Type, uint Id, int Count)
    : ScenarioStep(Line, "connector", Text);

internal sealed record PlugStep(int Line, string Text, DrcType Type, uint Id, bool Cold, int? Lmbs, string? Name)
    : ScenarioStep(Line, "plug", Text);

internal sealed record UnplugStep(int Line, string Text, DeviceTarget Target)
    : ScenarioStep(Line, "unplug", Text);

internal sealed record CancelStep(int Line, string Text, DeviceTarget Target)
    : ScenarioStep(Line, "cancel", Text);

internal sealed record SetIndicatorStep(int Line, string Text, uint Indicator, uint Index, uint Value)
    : ScenarioStep(Line, "rtas set-indicator", Text);

internal sealed record GetSensorStateStep(int Line, string Text, uint Sensor, uint Index)
    : ScenarioStep(Line, "rtas get-sensor-state", Text);

internal sealed record ConfigureConnectorStep(int Line, string Text, uint Index)
    : ScenarioStep(Line, "rtas configure-connector", Text);

internal enum GuestAction
{
    Add,
    Remove,
    Reject,
}

/// <summary>
/// A Linux guest sequence. With <c>&lt;type&gt; &lt;id&gt;</c> it runs on that one connector; with a device name, on
/// every connector the device holds, in index order (what Linux does for one event). <see cref="After"/>
/// (<c>guest reject &lt;name&gt; after &lt;n&gt;</c>): the guest took down the device's first n connectors, failed on
/// the next one, and rolls those n back.
/// </summary>
internal sealed record GuestStep(int Line, string Text, GuestAction Action, DeviceTarget Target, int? After = null)
    : ScenarioStep(Line, Format.GuestVerb(Action), Text);

internal sealed record CheckExceptionStep(int Line, string Text, uint Mask)
    : ScenarioStep(Line, "check-exception", Text);

internal sealed record AdvanceStep(int Line, string Text, TimeSpan Duration)
    : ScenarioStep(Line, "advance", Text);

/// <summary>A command without arguments: pause, resume, reset, negotiate, save, load.</summary>
internal sealed record PlainStep(int Line, string Verb, string Text)
    : ScenarioStep(Line, Verb, Text);

internal sealed record ShowStep(int Line, string Text, DrcType? Type, uint Id)
    : ScenarioStep(Line, "show", Text);

internal sealed record ExpectStep(int Line, string Text, string Expected)
    : ScenarioStep(Line, "expect", Text);
