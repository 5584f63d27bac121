using System.Text.Json.Nodes;

namespace Spapr.Drc.RealGuest.Recording;

/// <summary>
/// What one phase (one host command or one guest command, until the guest has finished handling it) produced:
/// its trace lines in order, the QMP events QEMU sent meanwhile, the guest's hotplug handler results, and the
/// device-tree properties the guest kernel rewrote in its own tree (of_update_property) meanwhile.
/// </summary>
internal sealed record PhaseOutcome(
    string Label,
    IReadOnlyList<JsonObject> Lines,
    IReadOnlyList<JsonObject> QmpEvents,
    IReadOnlyList<int> HandlerResults,
    IReadOnlyList<string> KernelPropertyUpdates)
{
    public bool HasEvent(string name, string deviceId) =>
        QmpEvents.Any(e => e["event"]?.GetValue<string>() == name && e["data"]?["device"]?.GetValue<string>() == deviceId);
}
