using System.Globalization;

namespace Spapr.Drc.Sim.Runner;

/// <summary>What happens to the whole machine: <c>advance</c>, <c>pause</c>, <c>resume</c>, <c>reset</c>, <c>negotiate</c>, <c>save</c>, <c>load</c>.</summary>
internal static class MachineCommands
{
    public static void Advance(ScenarioSession session, AdvanceStep step, StepOutcome outcome)
    {
        var machine = session.Machine;
        var clock = machine.Clock;
        var remaining = step.Duration;
        while (remaining > TimeSpan.Zero)
        {
            // Step to each unplug deadline on the way, so notifications carry the time they fired at.
            var next = remaining;
            if (!clock.Paused)
            {
                foreach (var pending in machine.Registry.GetPendingUnplugs())
                {
                    if (pending.Deadline is { } deadline)
                    {
                        var until = clock.GuestUntil(deadline);
                        if (until > TimeSpan.Zero && until < next)
                        {
                            next = until;
                        }
                    }
                }
            }

            clock.Advance(next);
            remaining -= next;
            session.Observe(outcome);
        }

        long nowMs = clock.ElapsedMs;
        outcome.Json = w => w.WriteNumber("now_ms", nowMs);
        outcome.Summary = "now " + Format.Time(clock.ElapsedMs) + (clock.Paused ? " (guest paused: its clock and the unplug timeouts stood still)" : string.Empty);
    }

    /// <summary>The commands without arguments (the parser accepts no other verbs for a <see cref="PlainStep"/>).</summary>
    public static void Plain(ScenarioSession session, PlainStep step, StepOutcome outcome)
    {
        var machine = session.Machine;
        switch (step.Verb)
        {
            case "pause":
                machine.Clock.Pause();
                outcome.Summary = "guest paused: its clock, and the unplug timeouts on it, stand still";
                break;
            case "resume":
                machine.Clock.Resume();
                outcome.Summary = "guest running";
                break;
            case "reset":
                machine.Registry.Reset();
                outcome.Summary = "machine reset: pending unplugs complete, connectors to ready/empty, event queue emptied";
                break;
            case "negotiate":
                machine.Registry.NegotiateClientArchitecture(hotplugEvents: true);
                outcome.Summary = "client-architecture-support: hot-plug event class and indexed memory events from now on";
                break;
            case "save":
                var snapshot = machine.Registry.SaveSnapshot();
                session.Snapshot = snapshot;
                outcome.Summary = string.Create(CultureInfo.InvariantCulture, $"snapshot saved: {snapshot.Length} bytes");
                outcome.Json = w => w.WriteNumber("bytes", snapshot.Length);
                break;
            default:
                LoadIntoFreshRegistry(session, step, outcome);
                break;
        }
    }

    /// <summary>
    /// Migration as an emulator does it: a fresh registry on the same clock with the same connectors and the same
    /// devices cold-plugged over the same connectors, then the last saved snapshot loaded into it. A refused stream
    /// leaves the old registry.
    /// </summary>
    private static void LoadIntoFreshRegistry(ScenarioSession session, ScenarioStep step, StepOutcome outcome)
    {
        var machine = session.Machine;
        var snapshot = session.Snapshot ?? throw new ScenarioException(step.Line, "load needs a save before it");
        var old = machine.Registry;
        var fresh = new DrcRegistry(machine.Options, machine.Clock.Guest);
        try
        {
            foreach (var drc in old.Connectors)
            {
                fresh.CreateConnector(drc.Type, drc.Id, drc.Owner);
            }

            foreach (var device in DevicesOf(old))
            {
                // A device keeps every connector it owns until its removal ends (LMBs the guest released included),
                // so the destination attaches it over all of them; the snapshot then says which are released.
                if (DrcKind.Of(device.Type).DeviceSpansConnectors)
                {
                    fresh.AttachMemoryDevice(device.Index, device.Connectors.Length, device.Device, DeviceFragments.For, PlugMode.Cold);
                }
                else
                {
                    fresh.Attach(device.Index, device.Device, DeviceFragments.For(device.Index), PlugMode.Cold);
                }
            }

            fresh.LoadSnapshot(snapshot);
        }
        catch (DrcSnapshotException e)
        {
            fresh.Dispose();
            outcome.Ok = false;
            outcome.Summary = "refused: " + e.Message;
            outcome.Json = w => w.WriteString("error", e.Message);
            return;
        }

        session.Notifications.Subscribe(machine, fresh);
        machine.Registry = fresh;
        old.Dispose();
        int bytes = snapshot.Length;
        outcome.Summary = string.Create(CultureInfo.InvariantCulture, $"snapshot loaded into a fresh registry ({bytes} bytes, {fresh.Count} connectors, {fresh.GetPendingUnplugs().Count} unplugs pending)");
        outcome.Json = w => w.WriteNumber("bytes", bytes);
    }

    /// <summary>Every device attached to a registry, once each, in the order of its first connector.</summary>
    private static IEnumerable<AttachedDevice> DevicesOf(DrcRegistry registry) =>
        registry.Connectors.Select(drc => drc.AttachedDevice).OfType<AttachedDevice>().Distinct();
}
