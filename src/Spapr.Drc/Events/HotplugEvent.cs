namespace Spapr.Drc;

/// <summary>
/// A hotplug event queued for the guest (SPEC section 4). Immutable; its binary RTAS error log is written
/// by <see cref="DrcRtas.CheckException(uint, Span{byte}, out HotplugEvent?)"/>.
/// </summary>
/// <param name="Type">The hotplug type.</param>
/// <param name="Action">Add or remove.</param>
/// <param name="Identifier">How the payload identifies the connectors.</param>
/// <param name="Index">The (first) connector index; zero for <see cref="HotplugIdentifier.DrcCount"/>.</param>
/// <param name="Count">The number of connectors; 1 for by-index events.</param>
/// <param name="EventClass">The class the event is delivered in (hot-plug once negotiated, else EPOW).</param>
/// <param name="LogId">The platform log id, incrementing per event per machine.</param>
/// <param name="CreatedAt">The virtual time the event was queued (the log's creation date and time, UTC).</param>
public sealed record HotplugEvent(
    HotplugType Type,
    HotplugAction Action,
    HotplugIdentifier Identifier,
    DrcIndex Index,
    uint Count,
    RtasEventClasses EventClass,
    uint LogId,
    DateTimeOffset CreatedAt);
