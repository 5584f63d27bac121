namespace Spapr.Drc.Sample;

/// <summary>
/// What a migration must carry over, as lines to compare: each connector (state, device, whether it still holds it,
/// pending unplug, DR indicator), each pending unplug (request id, what it waits for, retries, whether it timed out)
/// and each queued event. The source's lines at save equal the destination's after load.
/// </summary>
public static class MachineState
{
    public static IReadOnlyList<string> Describe(Machine machine)
    {
        var registry = machine.Registry;
        var lines = new List<string>();
        foreach (var c in registry.Connectors)
        {
            lines.Add($"{c.Name}: {c.State}, device {c.AttachedDevice?.Device.ToString() ?? "-"}, held {c.Device is not null}, pending {c.IsUnplugPending}, indicator {c.DrIndicator}");
        }

        foreach (var p in registry.GetPendingUnplugs())
        {
            lines.Add($"pending request {p.RequestId}: {p.Device}, waiting for {string.Join(" ", p.Waiting)}, retries {p.RetryCount}, timed out {p.TimedOut}, timeout {p.Timeout}");
        }

        foreach (var e in registry.GetQueuedEvents())
        {
            lines.Add($"queued: {e}");
        }

        return lines;
    }
}
