using System.Globalization;

namespace Spapr.Drc.Sim.Runner;

/// <summary>How values read in the timeline: numbers with their names.</summary>
internal static class Format
{
    public static string State(DrcState state) => string.Create(CultureInfo.InvariantCulture, $"{(int)state} {state}");

    public static string Status(RtasStatus status) => string.Create(CultureInfo.InvariantCulture, $"{(int)status} ({status})");

    public static string Status(ConfigureConnectorStatus status) => string.Create(CultureInfo.InvariantCulture, $"{(int)status} ({status})");

    public static string Time(long ms) => string.Create(CultureInfo.InvariantCulture, $"{ms / 1000.0:0.000}s");

    public static string Duration(TimeSpan span) => span == Timeout.InfiniteTimeSpan
        ? "no timeout"
        : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.###}s");

    public static string Connector(SpaprDrc drc) => $"{drc.Name} ({drc.Index})";

    public static string Connector(string name, DrcIndex index) => $"{name} ({index})";

    public static string UnplugResult(UnplugRequestStatus status) => status switch
    {
        UnplugRequestStatus.Requested => "requested",
        UnplugRequestStatus.Retried => "retried",
        UnplugRequestStatus.CompletedImmediately => "completed-immediately",
        UnplugRequestStatus.AlreadyPending => "already-pending",
        UnplugRequestStatus.NoDevice => "no-device",
        _ => "not-allowed",
    };

    public static string HotplugType(HotplugType type) => type switch
    {
        Drc.HotplugType.Cpu => "cpu",
        Drc.HotplugType.Memory => "memory",
        Drc.HotplugType.Phb => "phb",
        Drc.HotplugType.Pci => "pci",
        _ => "pmem",
    };

    public static string Action(HotplugAction action) => action == HotplugAction.Add ? "add" : "remove";

    public static string Identifier(HotplugIdentifier identifier) => identifier switch
    {
        HotplugIdentifier.DrcIndex => "drc-index",
        HotplugIdentifier.DrcCount => "drc-count",
        _ => "drc-count-indexed",
    };

    public static string EventClass(RtasEventClasses classes) => classes == RtasEventClasses.Hotplug ? "hot-plug class" : "EPOW class";

    /// <summary>An event as a person reads it: "remove cpu by drc-index 0x10000001 (EPOW class)".</summary>
    public static string Event(HotplugEvent e)
    {
        var what = e.Identifier switch
        {
            HotplugIdentifier.DrcIndex => $"{e.Index}",
            HotplugIdentifier.DrcCount => string.Create(CultureInfo.InvariantCulture, $"count {e.Count}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"count {e.Count} from {e.Index}"),
        };
        return $"{Action(e.Action)} {HotplugType(e.Type)} by {Identifier(e.Identifier)} {what} ({EventClass(e.EventClass)})";
    }
}
