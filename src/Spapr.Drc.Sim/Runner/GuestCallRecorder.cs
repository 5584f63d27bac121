using System.Globalization;

namespace Spapr.Drc.Sim.Runner;

/// <summary>
/// Makes a guest's RTAS calls on the registry and writes each into the command's outcome: a detail line for people,
/// an entry for the JSON <c>calls</c> array, and the state changes it caused, right after it.
/// </summary>
internal sealed class GuestCallRecorder(ScenarioSession session, StepOutcome outcome)
{
    // A configure-connector walk of a sane fragment ends long before this; a broken one must not hang the scenario.
    private const int MaxConfigureCalls = 100_000;

    private DrcRtas Rtas => session.Machine.Registry.Rtas;

    /// <summary>The calls made, in order, for JSON: the call, the connector, the status.</summary>
    public List<(string Call, DrcIndex Index, int Status)> Calls { get; } = [];

    /// <summary>The status of the last call; Success when none was made.</summary>
    public RtasStatus LastStatus => Calls.Count > 0 ? (RtasStatus)Calls[^1].Status : RtasStatus.Success;

    public (RtasStatus Status, uint Value) GetEntitySense(SpaprDrc drc)
    {
        var status = Rtas.GetSensorState((uint)RtasSensor.EntitySense, drc.Index.Value, out uint value);
        Calls.Add(("get-sensor-state", drc.Index, (int)status));
        outcome.Details.Add($"get-sensor-state {Format.EntitySenseWord} {Format.Connector(drc)} -> {Format.Status(status)}, value {Format.EntitySense(value)}");
        return (status, value);
    }

    public RtasStatus SetIndicator(SpaprDrc drc, RtasIndicator indicator, uint value)
    {
        var status = Rtas.SetIndicator((uint)indicator, drc.Index.Value, value);
        Calls.Add(("set-indicator", drc.Index, (int)status));
        outcome.Details.Add($"{Format.SetIndicatorCall(indicator, value)} {Format.Connector(drc)} -> {Format.Status(status)}");
        session.Observe(outcome);
        return status;
    }

    /// <summary>configure-connector until it stops handing out nodes and properties: one entry, one detail line.</summary>
    public ConfigureConnectorStatus ConfigureUntilDone(SpaprDrc drc)
    {
        var workArea = new byte[DrcRtas.WorkAreaSize];
        var nodes = new List<string>();
        int properties = 0;
        int count = 0;
        ConfigureConnectorStatus status;
        do
        {
            status = RtasCommands.ConfigureOnce(Rtas, drc.Index.Value, workArea, out string? name);
            count++;
            if (status == ConfigureConnectorStatus.NextChild && name is not null)
            {
                nodes.Add(name);
            }
            else if (status == ConfigureConnectorStatus.NextProperty)
            {
                properties++;
            }
        }
        while (status > 0 && count < MaxConfigureCalls);

        Calls.Add(("configure-connector", drc.Index, (int)status));
        outcome.Details.Add(string.Create(CultureInfo.InvariantCulture, $"configure-connector {Format.Connector(drc)} x{count} -> {Format.Status(status)}: nodes {string.Join(", ", nodes)}; {properties} properties"));
        session.Observe(outcome);
        return status;
    }
}
