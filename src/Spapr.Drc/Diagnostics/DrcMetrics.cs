using System.Diagnostics.Metrics;

namespace Spapr.Drc;

/// <summary>
/// The registry's meter (named after the package): counters per unplug outcome and a gauge of pending
/// unplugs. One meter per registry, so a listener can tell machines apart.
/// </summary>
internal sealed class DrcMetrics : IDisposable
{
    public const string MeterName = "Spapr.Drc";

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
        _requests.Add(1, new KeyValuePair<string, object?>("status", status.ToString()));

    public void Notified(UnplugOutcome outcome) =>
        _notifications.Add(1, new KeyValuePair<string, object?>("outcome", outcome.ToString()));

    public void HotplugEventQueued() => _hotplugEvents.Add(1);

    public void Dispose() => _meter.Dispose();
}
