using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Spapr.Drc.Stress.Infrastructure;

/// <summary>Listens to one registry's meter instance only (other tests' registries run in parallel) and sums each counter per tag value.</summary>
internal sealed class MetricsProbe : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _sums = new();

    public MetricsProbe(DrcRegistry registry)
    {
        var meter = registry.Metrics.Meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            _sums.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value);
            if (tags.Length > 0)
            {
                _sums.AddOrUpdate(instrument.Name + "/" + tags[0].Value, value, (_, sum) => sum + value);
            }
        });
        _listener.Start();
    }

    /// <summary>The sum of a counter, optionally for one tag value (e.g. <c>("spapr.drc.unplug.notifications", "Completed")</c>).</summary>
    public long Sum(string instrument, string? tag = null) =>
        _sums.TryGetValue(tag is null ? instrument : instrument + "/" + tag, out var sum) ? sum : 0;

    public void Dispose() => _listener.Dispose();
}
