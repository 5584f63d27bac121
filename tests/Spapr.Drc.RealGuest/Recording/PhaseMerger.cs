using System.Globalization;
using System.Text.Json.Nodes;
using Spapr.Drc.RealGuest.Format;
using Spapr.Drc.RealGuest.Guest;

namespace Spapr.Drc.RealGuest.Recording;

/// <summary>
/// Puts one phase's lines in the order things happened without comparing clocks. The guest's calls come in their
/// own order; QEMU's log has its state changes and QMP events in QEMU's order. Every set-indicator the guest makes on a
/// connector QEMU knows appears in both, so those calls are anchors: a QMP event logged after the k-th anchor (and
/// before the next) was emitted inside that call, and goes right after it. An event before any anchor of the phase
/// was emitted by the host command itself and goes right after the host line.
/// </summary>
internal static class PhaseMerger
{
    public static IReadOnlyList<JsonObject> Merge(JsonObject? hostLine, IReadOnlyList<GuestRtasCall> calls, IReadOnlyList<QemuLogItem> qemu)
    {
        var anchors = qemu.Where(i => i.Kind is QemuLogItemKind.IsolationState or QemuLogItemKind.AllocationState).ToList();
        var eventsAfterAnchor = new Dictionary<int, List<QemuLogItem>>();
        int seen = 0;
        foreach (var item in qemu)
        {
            if (item.Kind is QemuLogItemKind.IsolationState or QemuLogItemKind.AllocationState)
            {
                seen++;
            }
            else if (item.Kind == QemuLogItemKind.Event && IsRecorded(item))
            {
                if (!eventsAfterAnchor.TryGetValue(seen, out var list))
                {
                    eventsAfterAnchor[seen] = list = [];
                }

                list.Add(item);
            }
        }

        var lines = new List<JsonObject>();
        if (hostLine is not null)
        {
            lines.Add(hostLine);
        }

        AddEvents(lines, eventsAfterAnchor, 0);
        int matched = 0;
        foreach (var call in calls)
        {
            lines.Add(call.ToTraceLine());
            if (call.Name != TraceFormat.SetIndicator || call.Args[0] is not (TraceFormat.IsolationStateIndicator or TraceFormat.AllocationStateIndicator))
            {
                continue;
            }

            var kind = call.Args[0] == TraceFormat.IsolationStateIndicator ? QemuLogItemKind.IsolationState : QemuLogItemKind.AllocationState;
            if (matched < anchors.Count && anchors[matched].Kind == kind && anchors[matched].Drc == call.Args[1] && anchors[matched].State == call.Args[2])
            {
                matched++;
                AddEvents(lines, eventsAfterAnchor, matched);
            }
            else if (call.Rets[0] != -3)
            {
                // Only a connector QEMU does not know (status -3 before its trace point) may be missing from its log.
                throw new RealGuestException(string.Create(CultureInfo.InvariantCulture,
                    $"Guest set-indicator({call.Args[0]}, 0x{call.Args[1]:x8}, {call.Args[2]}) -> {call.Rets[0]} has no matching QEMU trace line (QEMU's next: {Describe(anchors, matched)})."));
            }
        }

        if (matched != anchors.Count)
        {
            throw new RealGuestException(string.Create(CultureInfo.InvariantCulture,
                $"QEMU logged {anchors.Count} DRC state changes but the guest's probes saw {matched}: a guest call was missed (next unmatched: {Describe(anchors, matched)})."));
        }

        return lines;
    }

    /// <summary>The QMP events a trace keeps: a device's unplug outcome (sub-devices, like a core's threads, have no id).</summary>
    public static bool IsRecorded(QemuLogItem item) =>
        item.DeviceId is not null && TraceFormat.QmpEvents.Contains(item.EventName);

    private static void AddEvents(List<JsonObject> lines, Dictionary<int, List<QemuLogItem>> events, int anchor)
    {
        if (events.TryGetValue(anchor, out var list))
        {
            lines.AddRange(list.Select(e => new JsonObject { ["qmp"] = e.EventName, ["id"] = e.DeviceId }));
        }
    }

    private static string Describe(List<QemuLogItem> anchors, int at) =>
        at < anchors.Count ? string.Create(CultureInfo.InvariantCulture, $"{anchors[at].Kind} 0x{anchors[at].Drc:x8} -> {anchors[at].State}") : "none";
}
