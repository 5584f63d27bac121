using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Spapr.Drc.Sim.Runner;

/// <summary>The raw guest calls of a scenario: <c>rtas set-indicator|get-sensor-state|configure-connector</c> and <c>check-exception</c>.</summary>
internal static class RtasCommands
{
    public static void SetIndicator(ScenarioSession session, SetIndicatorStep step, StepOutcome outcome)
    {
        var status = session.Machine.Registry.Rtas.SetIndicator(step.Indicator, step.Index, step.Value);
        outcome.Ok = status == RtasStatus.Success;
        outcome.Summary = Format.Status(status);
        outcome.Json = w =>
        {
            w.WriteString("index", Format.Index(step.Index));
            w.WriteNumber("status", (int)status);
        };
    }

    public static void GetSensorState(ScenarioSession session, GetSensorStateStep step, StepOutcome outcome)
    {
        var status = session.Machine.Registry.Rtas.GetSensorState(step.Sensor, step.Index, out uint value);
        outcome.Ok = status == RtasStatus.Success;
        outcome.Summary = status == RtasStatus.Success
            ? $"{Format.Status(status)}, value {Format.EntitySense(value)}"
            : string.Create(CultureInfo.InvariantCulture, $"{Format.Status(status)}, value {value}");
        outcome.Json = w =>
        {
            w.WriteString("index", Format.Index(step.Index));
            w.WriteNumber("status", (int)status);
            w.WriteNumber("value", value);
        };
    }

    public static void ConfigureConnector(ScenarioSession session, ConfigureConnectorStep step, StepOutcome outcome)
    {
        var workArea = new byte[DrcRtas.WorkAreaSize];
        var status = ConfigureOnce(session.Machine.Registry.Rtas, step.Index, workArea, out string? name);
        string? handedOut = status switch
        {
            ConfigureConnectorStatus.NextChild => "node " + name,
            ConfigureConnectorStatus.NextProperty => string.Create(CultureInfo.InvariantCulture, $"property {name} ({BinaryPrimitives.ReadUInt32BigEndian(workArea.AsSpan(12))} bytes)"),
            _ => null,
        };
        outcome.Ok = status >= 0;
        outcome.Summary = Format.Status(status) + (handedOut is null ? string.Empty : ": " + handedOut);
        outcome.Json = w =>
        {
            w.WriteString("index", Format.Index(step.Index));
            w.WriteNumber("status", (int)status);
        };
    }

    public static void CheckException(ScenarioSession session, CheckExceptionStep step, StepOutcome outcome)
    {
        var log = new byte[DrcRtas.EventLogSize];
        var status = session.Machine.Registry.Rtas.CheckException(step.Mask, log, out var e);
        outcome.Ok = status >= 0;
        outcome.Summary = Format.Status(status) + (e is null ? string.Empty : ": " + Format.Event(e));
        outcome.Json = w =>
        {
            w.WriteNumber("status", (int)status);
            if (e is not null)
            {
                w.WriteStartObject("event");
                w.WriteString("type", Format.HotplugType(e.Type));
                w.WriteString("action", Format.Action(e.Action));
                w.WriteString("identifier", Format.Identifier(e.Identifier));
                Format.WriteIndexOrNull(w, "index", e.Index);
                w.WriteNumber("count", e.Count);
                w.WriteEndObject();
            }
        };
    }

    /// <summary>
    /// One configure-connector call, as a guest makes it: the index in a cleared work area. <paramref name="name"/> is
    /// the node or property name it handed out (NextChild, NextProperty), else <see langword="null"/>.
    /// </summary>
    public static ConfigureConnectorStatus ConfigureOnce(DrcRtas rtas, uint index, byte[] workArea, out string? name)
    {
        Array.Clear(workArea);
        BinaryPrimitives.WriteUInt32BigEndian(workArea, index);
        var status = rtas.ConfigureConnector(workArea);
        name = status is ConfigureConnectorStatus.NextChild or ConfigureConnectorStatus.NextProperty ? ReadName(workArea) : null;
        return status;
    }

    private static string ReadName(byte[] workArea)
    {
        int offset = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(workArea.AsSpan(8)), (uint)workArea.Length);
        int end = Array.IndexOf(workArea, (byte)0, offset);
        return Encoding.UTF8.GetString(workArea, offset, (end < 0 ? workArea.Length : end) - offset);
    }
}
