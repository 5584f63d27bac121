namespace Spapr.Drc;

/// <summary>
/// A notification waiting in the outbox, as a flat record: the event args object is built from it only when the
/// notification is raised and someone handles it, so a request, its timeout and its completion allocate nothing
/// for the notifications nobody reads.
/// </summary>
internal readonly struct QueuedNotification
{
    private QueuedNotification(NotificationKind kind, UnplugOutcome outcome, bool isTerminal, AttachedDevice? device, long requestId, long requestedAtTicks, long occurredAtTicks, HotplugEventRecord hotplugEvent)
    {
        Kind = kind;
        Outcome = outcome;
        IsTerminal = isTerminal;
        Device = device;
        RequestId = requestId;
        RequestedAtTicks = requestedAtTicks;
        OccurredAtTicks = occurredAtTicks;
        Event = hotplugEvent;
    }

    public NotificationKind Kind { get; }

    public UnplugOutcome Outcome { get; }

    public bool IsTerminal { get; }

    public AttachedDevice? Device { get; }

    public long RequestId { get; }

    public long RequestedAtTicks { get; }

    public long OccurredAtTicks { get; }

    public HotplugEventRecord Event { get; }

    public static QueuedNotification Unplug(NotificationKind kind, UnplugOutcome outcome, bool isTerminal, AttachedDevice device, long requestId, long requestedAtTicks, long occurredAtTicks) =>
        new(kind, outcome, isTerminal, device, requestId, requestedAtTicks, occurredAtTicks, default);

    public static QueuedNotification Queued(in HotplugEventRecord e) =>
        new(NotificationKind.HotplugEventQueued, default, false, null, 0, 0, e.CreatedAtTicks, e);

    public UnplugEventArgs ToUnplugArgs() =>
        new(Device!, Outcome, IsTerminal, new DateTimeOffset(RequestedAtTicks, TimeSpan.Zero), new DateTimeOffset(OccurredAtTicks, TimeSpan.Zero), RequestId);
}
