using System.Globalization;

namespace Spapr.Drc.Sim.Runner;

/// <summary>
/// <c>guest add|remove|reject</c> (SPEC section 9): the Linux guest's sequence on the one connector named by type and
/// id, or on every connector a named device holds, in index order (what Linux does for one event). The guest stops at
/// the first call that fails, as Linux does. <c>guest reject &lt;name&gt; after &lt;n&gt;</c> is Linux's memory
/// removal refused part-way: it rolls back only the first n connectors (none at all when it failed on the first).
/// </summary>
internal static class GuestCommands
{
    public static void Execute(ScenarioSession session, GuestStep step, StepOutcome outcome)
    {
        var held = session.GuestTargets(step.Line, step.Target);
        var targets = step.After is { } taken ? TakenDown(session, step, held, taken) : held;
        var calls = new GuestCallRecorder(session, outcome);
        var guest = new LinuxGuest(calls);
        string? stopped = null;
        foreach (var target in targets)
        {
            stopped = step.After is not null
                ? guest.RollBack(target)
                : step.Action switch
                {
                    GuestAction.Add => guest.Acquire(target),
                    GuestAction.Remove => guest.Release(target),
                    _ => guest.Refuse(target),
                };
            if (stopped is not null)
            {
                break;
            }
        }

        string? device = step.Target.Name;
        var index = held.Count > 0 ? held[0].Index : session.Device(step.Line, device!).First;
        outcome.Ok = stopped is null && held.Count > 0;
        outcome.Summary = stopped ?? (held.Count == 0
            ? $"{device} holds no connector any more: nothing for the guest to do"
            : step.After is { } n ? RolledBack(held, n) : Done(step.Action, targets));
        var status = calls.LastStatus;
        outcome.Json = w =>
        {
            w.WriteString("index", Format.Index(index));
            if (device is not null)
            {
                w.WriteString("device", device);
            }

            if (step.After is { } after)
            {
                w.WriteNumber("after", after);
            }

            w.WriteNumber("status", (int)status);
            w.WriteStartArray("calls");
            foreach (var (call, callIndex, callStatus) in calls.Calls)
            {
                w.WriteStartObject();
                w.WriteString("call", call);
                w.WriteString("index", Format.Index(callIndex));
                w.WriteNumber("status", callStatus);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        };
    }

    /// <summary>
    /// The connectors a part-way refusal rolls back: the first <paramref name="taken"/> the device holds. The guest
    /// failed on the next one, so it must hold more than that; only a device over several connectors has a part way.
    /// </summary>
    private static IReadOnlyList<SpaprDrc> TakenDown(ScenarioSession session, GuestStep step, IReadOnlyList<SpaprDrc> held, int taken)
    {
        var device = session.Device(step.Line, step.Target.Name!);
        if (!DrcKind.Of(device.First.Type).DeviceSpansConnectors)
        {
            throw new ScenarioException(step.Line, $"'after' is for a device over several connectors (a memory device's LMBs); {device.Name} is on one connector: use 'guest reject {device.Name}'");
        }

        if (held.Count > 0 && taken >= held.Count)
        {
            throw new ScenarioException(step.Line, string.Create(CultureInfo.InvariantCulture, $"{device.Name} holds {held.Count} connectors: a refusal fails on one of them, so at most {held.Count - 1} were taken down before it"));
        }

        return [.. held.Take(taken)];
    }

    /// <summary>"acquired CPU 1 (0x10000001)", "released 4 connectors from LMB 16 (0x80000010)".</summary>
    private static string Done(GuestAction action, IReadOnlyList<SpaprDrc> targets)
    {
        string what = targets.Count == 1
            ? Format.Connector(targets[0])
            : string.Create(CultureInfo.InvariantCulture, $"{targets.Count} connectors from {Format.Connector(targets[0])}");
        return action switch
        {
            GuestAction.Add => "acquired " + what,
            GuestAction.Remove => "released " + what,
            _ => "refused: unisolated " + what + " while its unplug is pending",
        };
    }

    /// <summary>What a part-way refusal did: nothing at all when it failed on the first connector.</summary>
    private static string RolledBack(IReadOnlyList<SpaprDrc> held, int taken)
    {
        string failedOn = Format.Connector(held[taken]);
        return taken == 0
            ? $"refused on {failedOn}, the first: no call at all (nothing tells the host; the unplug stays pending)"
            : string.Create(CultureInfo.InvariantCulture, $"refused on {failedOn}: rolled back {taken} connector{(taken == 1 ? string.Empty : "s")} from {Format.Connector(held[0])} (unisolated and configured again, not acquired)");
    }
}
