namespace Spapr.Drc.Sim.Replay;

/// <summary>
/// One line of a real-guest trace (issue 15's JSON-lines format, tests/Spapr.Drc.RealGuest/README.md), parsed.
/// <see cref="Line"/> is the 1-based line number in the file, which every message and JSON object names.
/// </summary>
internal abstract record TraceLine(int Line);

/// <summary>
/// The first line: the traced machine's shape. <paramref name="Smp"/> cores (one thread each) are present at boot,
/// <paramref name="MaxCpus"/> can be; RAM is <paramref name="RamMb"/> MiB and hot-pluggable memory reaches
/// <paramref name="MaxMemMb"/>; <paramref name="Negotiated"/> says whether the guest negotiated hotplug events at
/// client-architecture-support.
/// </summary>
internal sealed record MachineLine(int Line, int Smp, int MaxCpus, int RamMb, int MaxMemMb, int LmbMb, int NumaNodes, bool Negotiated)
    : TraceLine(Line);

/// <summary><c>{"host": "device_add", ...}</c>: QEMU attached a device at <paramref name="First"/> (a memory device over <paramref name="Count"/> LMBs).</summary>
internal sealed record DeviceAddLine(int Line, string Id, DrcType Type, DrcIndex First, int Count)
    : TraceLine(Line);

/// <summary><c>{"host": "device_del", ...}</c>: the host's unplug request; <paramref name="Error"/> is QEMU's refusal, or null when it accepted.</summary>
internal sealed record DeviceDelLine(int Line, string Id, string? Error)
    : TraceLine(Line);

/// <summary>An RTAS call the guest made, with every input cell and every return cell QEMU gave.</summary>
internal abstract record RtasLine(int Line, uint[] Args, int[] Rets)
    : TraceLine(Line);

/// <summary>check-exception; <paramref name="Event"/> is the hotplug event QEMU wrote, when <c>rets[0]</c> is 0.</summary>
internal sealed record CheckExceptionLine(int Line, uint[] Args, int[] Rets, TracedEvent? Event)
    : RtasLine(Line, Args, Rets);

/// <summary>get-sensor-state (sensor, index) -> (status, value).</summary>
internal sealed record GetSensorStateLine(int Line, uint[] Args, int[] Rets)
    : RtasLine(Line, Args, Rets);

/// <summary>set-indicator (indicator, index, value) -> status.</summary>
internal sealed record SetIndicatorLine(int Line, uint[] Args, int[] Rets)
    : RtasLine(Line, Args, Rets);

/// <summary>One ibm,configure-connector call on the connector whose index the work area held.</summary>
internal sealed record ConfigureConnectorLine(int Line, uint Index, int[] Rets)
    : RtasLine(Line, [Index], Rets);

/// <summary>A QMP event QEMU sent about a device with an id.</summary>
internal sealed record QmpLine(int Line, QmpEvent Event, string Id)
    : TraceLine(Line);

/// <summary>The QMP events a trace records: the two that say how an unplug ended.</summary>
internal enum QmpEvent
{
    /// <summary>DEVICE_DELETED: the unplug completed (the library's unplug-completed).</summary>
    DeviceDeleted,

    /// <summary>DEVICE_UNPLUG_GUEST_ERROR: the guest refused (the library's unplug-rejected-by-guest).</summary>
    DeviceUnplugGuestError,
}

/// <summary>
/// A hotplug event as a trace writes it, numbers as PAPR defines them; <paramref name="Index"/> is null for an event by
/// count, <paramref name="Count"/> null for an event by index.
/// </summary>
internal readonly record struct TracedEvent(int Type, int Action, int Identifier, uint? Index, uint? Count);
