using System.Globalization;

namespace Spapr.Drc.Sim.Runner;

/// <summary>What the emulator's host side does in a scenario: <c>machine</c>, <c>connector</c>, <c>plug</c>, <c>unplug</c>, <c>cancel</c>.</summary>
internal static class HostCommands
{
    /// <summary>A fresh machine with the line's options; the first <c>machine</c> line of a file replaces the default one.</summary>
    public static StepOutcome Machine(ScenarioSession session, MachineStep step)
    {
        var options = new DrcOptions { TimeoutPolicy = step.Policy };
        foreach (var (type, timeout) in step.Timeouts)
        {
            options.SetUnplugTimeout(type, timeout);
        }

        var current = session.Machine;
        int number = current.Used ? current.Number + 1 : current.Number;
        session.StartMachine(number, options);
        var registry = session.Machine.Registry;
        var outcome = new StepOutcome(step, 0);
        string policy = Format.TimeoutPolicy(step.Policy);
        var timeouts = string.Join(", ", DrcKind.All.Select(k => $"{Format.TypeWord(k.Type)} {Format.Duration(registry.GetUnplugTimeout(k.Type))}"));
        outcome.Summary = string.Create(CultureInfo.InvariantCulture, $"machine {number}: timeout-action={policy}; unplug timeouts {timeouts}");
        outcome.Json = w =>
        {
            w.WriteNumber("machine", number);
            w.WriteString("timeout_action", policy);
        };
        return outcome;
    }

    public static void Connector(ScenarioSession session, ConnectorStep step, StepOutcome outcome)
    {
        IReadOnlyList<SpaprDrc> created;
        try
        {
            created = session.Machine.Registry.CreateConnectors(step.Type, step.Id, step.Count);
        }
        catch (InvalidOperationException e)
        {
            throw new ScenarioException(step.Line, e.Message);
        }

        outcome.Summary = created.Count == 1
            ? $"created {Format.Connector(created[0])}, {Format.State(created[0].State)}"
            : $"created {Format.Connector(created[0])} .. {Format.Connector(created[^1])}, {Format.State(created[0].State)}";
        outcome.Json = w =>
        {
            w.WriteString("index", Format.Index(created[0].Index));
            w.WriteNumber("count", created.Count);
        };
    }

    /// <summary>Attaches one device: over <c>lmbs n</c> connectors for a type whose devices span several, else over one.</summary>
    public static void Plug(ScenarioSession session, PlugStep step, StepOutcome outcome)
    {
        var machine = session.Machine;
        var registry = machine.Registry;
        var first = session.Connector(step.Line, step.Type, step.Id);
        int count = step.Lmbs ?? 1;
        for (uint i = 1; i < count; i++)
        {
            _ = session.Connector(step.Line, step.Type, step.Id + i);
        }

        string name = step.Name ?? Format.DefaultDeviceName(step.Type, step.Id);
        var device = new SimDevice(name, first.Index);
        var mode = step.Cold ? PlugMode.Cold : PlugMode.Hot;
        bool attached = DrcKind.Of(step.Type).DeviceSpansConnectors
            ? registry.TryAttachMemoryDevice(first.Index, count, device, DeviceFragments.For, mode, out var error)
            : registry.TryAttach(first.Index, device, DeviceFragments.For(first.Index), mode, out error);
        string modeText = Format.PlugMode(mode);
        if (!attached)
        {
            outcome.Ok = false;
            outcome.Summary = "refused: " + error;
        }
        else
        {
            machine.Devices[name] = device;
            string span = count == 1 ? Format.Connector(first) : string.Create(CultureInfo.InvariantCulture, $"{count} LMBs from {Format.Connector(first)}");
            outcome.Summary = $"{name} attached ({modeText}) to {span}";
        }

        outcome.Json = w =>
        {
            w.WriteString("index", Format.Index(first.Index));
            w.WriteString("device", name);
            w.WriteString("mode", modeText);
            if (!attached)
            {
                w.WriteString("error", error);
            }
        };
    }

    public static void Unplug(ScenarioSession session, UnplugStep step, StepOutcome outcome)
    {
        var index = session.Target(step.Line, step.Target);
        var result = session.Machine.Registry.RequestUnplug(index);
        outcome.Ok = result.Accepted;
        long? remainingMs = result.Status is UnplugRequestStatus.Requested or UnplugRequestStatus.Retried or UnplugRequestStatus.AlreadyPending
            && result.TimeRemaining is { } left && left != Timeout.InfiniteTimeSpan
            ? (long)left.TotalMilliseconds
            : null;
        outcome.Summary = Format.UnplugResult(result.Status) + ": " + result.Message
            + (remainingMs is { } ms ? $" [{Format.Time(ms)} left]" : string.Empty);
        outcome.Json = w =>
        {
            w.WriteString("index", Format.Index(result.Index));
            w.WriteString("result", Format.UnplugResult(result.Status));
            if (remainingMs is { } ms)
            {
                w.WriteNumber("remaining_ms", ms);
            }

            w.WriteString("message", result.Message);
        };
    }

    public static void Cancel(ScenarioSession session, CancelStep step, StepOutcome outcome)
    {
        var index = session.Target(step.Line, step.Target);
        bool cancelled = session.Machine.Registry.CancelUnplug(index);
        outcome.Ok = cancelled;
        outcome.Summary = cancelled ? "cancelled (the guest is not told: PAPR has no abort)" : "nothing pending to cancel";
        outcome.Json = w =>
        {
            w.WriteString("index", Format.Index(index));
            w.WriteBoolean("cancelled", cancelled);
        };
    }
}
