namespace Spapr.Drc;

/// <summary>
/// A hotplug event queued for the guest (SPEC section 4), as handed out by the registry: immutable, with value
/// equality. Its binary RTAS error log is what check-exception writes; <see cref="HotplugEventLog"/> reads one back.
/// </summary>
public sealed record HotplugEvent
{
    internal HotplugEvent(HotplugType type, HotplugAction action, HotplugIdentifier identifier, DrcIndex? index, uint count, RtasEventClasses eventClass, uint logId, DateTimeOffset createdAt)
    {
        Type = type;
        Action = action;
        Identifier = identifier;
        Index = index;
        Count = count;
        EventClass = eventClass;
        LogId = logId;
        CreatedAt = createdAt;
    }

    /// <summary>The hotplug type.</summary>
    public HotplugType Type { get; }

    /// <summary>Add or remove.</summary>
    public HotplugAction Action { get; }

    /// <summary>How the payload identifies the connectors.</summary>
    public HotplugIdentifier Identifier { get; }

    /// <summary>The (first) connector; <see langword="null"/> for <see cref="HotplugIdentifier.DrcCount"/>.</summary>
    public DrcIndex? Index { get; }

    /// <summary>The number of connectors; 1 for by-index events.</summary>
    public uint Count { get; }

    /// <summary>The class the event is delivered in (hot-plug once negotiated, else EPOW).</summary>
    public RtasEventClasses EventClass { get; }

    /// <summary>The platform log id, incrementing per event per machine.</summary>
    public uint LogId { get; }

    /// <summary>The virtual time the event was queued (the log's creation date and time, UTC).</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>A line for people: "remove memory count-indexed 2 from 0x80000008 (hot-plug class, log id 7)".</summary>
    /// <returns>The description.</returns>
    public override string ToString() => HotplugEventRecord.Describe(Type, Action, Identifier, Index, Count, EventClass, LogId);
}
