using System.Globalization;

namespace Spapr.Drc;

/// <summary>
/// A queued hotplug event as a flat record: what the queue, the snapshot and the event log need, with no object per
/// event. <see cref="HotplugEvent"/> is built from it only when one is handed out.
/// </summary>
internal readonly record struct HotplugEventRecord(
    HotplugType Type,
    HotplugAction Action,
    HotplugIdentifier Identifier,
    uint Index,
    uint Count,
    RtasEventClasses EventClass,
    uint LogId,
    long CreatedAtTicks)
{
    /// <summary>Whether the event names connectors by index (every identifier but DrcCount).</summary>
    public bool HasIndex => Identifier != HotplugIdentifier.DrcCount;

    public DateTimeOffset CreatedAt => new(CreatedAtTicks, TimeSpan.Zero);

    /// <summary>Whether the event names <paramref name="index"/> (its index, or within its count-indexed run).</summary>
    public bool Covers(uint index) => HasIndex && index - Index < Count;

    public HotplugEvent ToEvent() => new(Type, Action, Identifier, HasIndex ? new DrcIndex(Index) : null, Count, EventClass, LogId, CreatedAt);

    public static string Describe(HotplugType type, HotplugAction action, HotplugIdentifier identifier, DrcIndex? index, uint count, RtasEventClasses eventClass, uint logId)
    {
        string what = string.Create(CultureInfo.InvariantCulture, $"{(action == HotplugAction.Add ? "add" : "remove")} {type.ToString().ToLowerInvariant()}");
        string by = identifier switch
        {
            HotplugIdentifier.DrcIndex => $"by drc-index {index}",
            HotplugIdentifier.DrcCount => string.Create(CultureInfo.InvariantCulture, $"by count {count}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"count-indexed {count} from {index}"),
        };
        string cls = eventClass == RtasEventClasses.Hotplug ? "hot-plug" : "EPOW";
        return string.Create(CultureInfo.InvariantCulture, $"{what} {by} ({cls} class, log id {logId})");
    }
}
