namespace Spapr.Drc.RealGuest.Format;

/// <summary>
/// The per-connector call sequences Linux 6.1 makes, in <see cref="TraceQuery.DrcCalls"/> form. They are what the
/// prototype observed and what the scenario facts hold every recording to.
/// </summary>
public static class LinuxSequences
{
    /// <summary>dlpar_acquire_drc then the configure-connector walk: sensor reads Unusable (2), allocate, unisolate, walk.</summary>
    public static IReadOnlyList<string> Acquire { get; } =
        ["get-sensor-state -> 0,2", "set-indicator 9003=1 -> 0", "set-indicator 9001=1 -> 0", "configure-connector walk -> 0"];

    /// <summary>dlpar_release_drc: sensor reads Present (1) before the isolate, then isolate, then unusable.</summary>
    public static IReadOnlyList<string> Release { get; } =
        ["get-sensor-state -> 0,1", "set-indicator 9001=0 -> 0", "set-indicator 9003=0 -> 0"];

    /// <summary>dlpar_unisolate_drc, the guest refusing an unplug: sensor read, then unisolate of a connector already unisolated.</summary>
    public static IReadOnlyList<string> Refusal { get; } = ["get-sensor-state -> 0,1", "set-indicator 9001=1 -> 0"];

    /// <summary>A DIMM refused part-way, for each LMB already offlined: the refusal, then a new walk without acquiring.</summary>
    public static IReadOnlyList<string> PartWayRollback { get; } = [.. Refusal, "configure-connector walk -> 0"];

    /// <summary>A guest-initiated LMB remove (/sys/kernel/dlpar) of an LMB the host did not ask for: QEMU answers -1.</summary>
    public static IReadOnlyList<string> GuestInitiatedRemove { get; } = ["get-sensor-state -> 0,1", "set-indicator 9001=0 -> -1"];
}
