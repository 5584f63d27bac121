using System.Diagnostics.Metrics;

namespace Spapr.Drc;

/// <summary>
/// The registry's meter (named after the package): counters per unplug outcome and a gauge of pending
/// unplugs. One meter per registry, so a listener can tell machines apart.
/// </summary>
internal sealed class DrcMetrics : IDisposable
{
    public const string MeterName = "Spapr.Drc";

    // The tags, built once per enum value: an enum's ToString boxes and allocates on every call, and these counters
    // tick once per unplug request and once per notification (16,384 of each when a big memory range is removed).
    private static readonly KeyValuePair<string, object?>[] StatusTags = TagsByValue<UnplugRequestStatus>("status");
    private static readonly KeyValuePair<string, object?>[] OutcomeTags = TagsByValue<UnplugOutcome>("outcome");

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _notifications;
    private readonly Counter<long> _hotplugEvents;

    public DrcMetrics(IMeterFactory? factory, Func<int> pendingCount)
    {
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _requests = _meter.CreateCounter<long>("spapr.drc.unplug.requests", "{request}", "Unplug requests accepted (requested, retried, completed at once).");
        _notifications = _meter.CreateCounter<long>("spapr.drc.unplug.notifications", "{notification}", "Unplug notifications raised, tagged by outcome.");
        _hotplugEvents = _meter.CreateCounter<long>("spapr.drc.hotplug_events", "{event}", "Hotplug events queued for the guest.");
        _meter.CreateObservableUpDownCounter("spapr.drc.unplug.pending", pendingCount, "{request}", "Unplug requests currently pending.");
    }

    public Meter Meter => _meter;

    public void RequestAccepted(UnplugRequestStatus status) =>
        _requests.Add(1, (uint)status < (uint)StatusTags.Length ? StatusTags[(int)status] : new("status", status.ToString()));

    public void Notified(UnplugOutcome outcome) =>
        _notifications.Add(1, (uint)outcome < (uint)OutcomeTags.Length ? OutcomeTags[(int)outcome] : new("outcome", outcome.ToString()));

    public void HotplugEventQueued() => _hotplugEvents.Add(1);

    public void Dispose() => _meter.Dispose();

    /// <summary>The tag of each value of <typeparamref name="TEnum"/>, at the value's position (the values count up from 0).</summary>
    private static KeyValuePair<string, object?>[] TagsByValue<TEnum>(string key)
        where TEnum : struct, Enum
    {
        var values = Enum.GetValues<TEnum>();
        var tags = new KeyValuePair<string, object?>[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            if (Convert.ToInt32(values[i], System.Globalization.CultureInfo.InvariantCulture) != i)
            {
                throw new InvalidOperationException($"{typeof(TEnum).Name} values must count up from 0 for the metric tag cache.");
            }

            tags[i] = new(key, values[i].ToString());
        }

        return tags;
    }
}
