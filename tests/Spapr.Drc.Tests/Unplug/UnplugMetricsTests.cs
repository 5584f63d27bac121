using System.Diagnostics.Metrics;
using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>The registry's own meter: request and notification counters per outcome, and the pending gauge.</summary>
public sealed class UnplugMetricsTests
{
    [Fact]
    public void Counters_SeedStory_CountRequestsAndNotificationsByTag()
    {
        using var machine = new Machine();
        using var metrics = new MetricsRecorder(machine.Registry);
        var cpu = machine.HotAdd(DrcType.Cpu, 1);

        machine.Registry.RequestUnplug(cpu);
        machine.Registry.RequestUnplug(cpu);
        machine.Clock.Advance(TimeSpan.FromSeconds(15));
        machine.Registry.RequestUnplug(cpu);
        machine.GuestRelease(cpu);

        metrics.Sum("spapr.drc.unplug.requests", "status", "Requested").Should().Be(1);
        metrics.Sum("spapr.drc.unplug.requests", "status", "Retried").Should().Be(1);
        metrics.Sum("spapr.drc.unplug.requests", "status", "AlreadyPending").Should().Be(0);
        metrics.Sum("spapr.drc.unplug.notifications", "outcome", "TimedOut").Should().Be(1);
        metrics.Sum("spapr.drc.unplug.notifications", "outcome", "Completed").Should().Be(1);
    }

    [Fact]
    public void Counters_EveryStatusAndOutcome_TaggedWithItsNameAndAllocateNothing()
    {
        // The counters tick once per request and once per notification: their tags are built once, not per call
        // (an enum's ToString allocates every time).
        using var metrics = new DrcMetrics(null, () => 0);
        using (var recorder = new MetricsRecorder(metrics.Meter))
        {
            foreach (var status in Enum.GetValues<UnplugRequestStatus>())
            {
                metrics.RequestAccepted(status);
                recorder.Sum("spapr.drc.unplug.requests", "status", status.ToString()).Should().Be(1);
            }

            foreach (var outcome in Enum.GetValues<UnplugOutcome>())
            {
                metrics.Notified(outcome);
                recorder.Sum("spapr.drc.unplug.notifications", "outcome", outcome.ToString()).Should().Be(1);
            }
        }

        // With no listener (the recorder's own copies would count otherwise).
        metrics.RequestAccepted(UnplugRequestStatus.Requested);
        metrics.Notified(UnplugOutcome.TimedOut);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            metrics.RequestAccepted(UnplugRequestStatus.Requested);
            metrics.Notified(UnplugOutcome.TimedOut);
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
    }

    [Fact]
    public void Counters_EveryTerminalOutcome_CountedOnce()
    {
        using var machine = new Machine(new DrcOptions { TimeoutPolicy = UnplugTimeoutPolicy.ClearRequest });
        using var metrics = new MetricsRecorder(machine.Registry);
        var cpus = Enumerable.Range(1, 5).Select(i => machine.HotAdd(DrcType.Cpu, (uint)i)).ToArray();
        foreach (var cpu in cpus)
        {
            machine.Registry.RequestUnplug(cpu);
        }

        machine.GuestRelease(cpus[0]);
        machine.Unisolate(cpus[1]);
        machine.Registry.CancelUnplug(cpus[2]);
        machine.Registry.RequestUnplug(cpus[3], TimeSpan.FromSeconds(1));
        machine.Clock.Advance(TimeSpan.FromSeconds(15));
        machine.Registry.RequestUnplug(cpus[4]);
        machine.Registry.Reset();

        foreach (var outcome in new[] { "Completed", "RejectedByGuest", "Cancelled", "CompletedByReset" })
        {
            metrics.Sum("spapr.drc.unplug.notifications", "outcome", outcome).Should().Be(1, outcome);
        }

        metrics.Sum("spapr.drc.unplug.notifications", "outcome", "TimedOut").Should().Be(2);
    }

    [Fact]
    public void HotplugEventCounter_CountsAddAndRemove()
    {
        using var machine = new Machine();
        using var metrics = new MetricsRecorder(machine.Registry);
        var cpu = machine.HotAdd(DrcType.Cpu, 1);

        machine.Registry.RequestUnplug(cpu);

        metrics.Sum("spapr.drc.hotplug_events").Should().Be(2);
    }

    [Fact]
    public void PendingGauge_FollowsPendingRequests()
    {
        using var machine = new Machine();
        using var metrics = new MetricsRecorder(machine.Registry);
        var cpu1 = machine.HotAdd(DrcType.Cpu, 1);
        var cpu2 = machine.HotAdd(DrcType.Cpu, 2);
        var first = machine.HotAddMemory(16, 4);

        machine.Registry.RequestUnplug(cpu1);
        machine.Registry.RequestUnplug(cpu2);
        machine.Registry.RequestUnplug(first);
        long three = metrics.ObservePending();
        machine.GuestRelease(cpu1);
        machine.Registry.CancelUnplug(first);

        three.Should().Be(3);
        metrics.ObservePending().Should().Be(1);
    }

    [Fact]
    public void Meter_TwoRegistries_ListenerSeesOnlyItsOwn()
    {
        using var machine = new Machine();
        using var other = new Machine();
        using var metrics = new MetricsRecorder(machine.Registry);
        var cpu = other.HotAdd(DrcType.Cpu, 1);

        other.Registry.RequestUnplug(cpu);

        metrics.Sum("spapr.drc.unplug.requests").Should().Be(0);
        machine.Registry.Metrics.Meter.Name.Should().Be("Spapr.Drc");
    }

    /// <summary>Listens to one registry's meter instance only, so parallel tests do not mix.</summary>
    private sealed class MetricsRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<(string Instrument, long Value, KeyValuePair<string, object?>[] Tags)> _measurements = [];

        public MetricsRecorder(DrcRegistry registry)
            : this(registry.Metrics.Meter)
        {
        }

        public MetricsRecorder(Meter meter)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, meter))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                lock (_measurements)
                {
                    _measurements.Add((instrument.Name, value, tags.ToArray()));
                }
            });
            _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) =>
            {
                lock (_measurements)
                {
                    _measurements.Add((instrument.Name, value, tags.ToArray()));
                }
            });
            _listener.Start();
        }

        public long Sum(string instrument, string? tag = null, string? value = null)
        {
            lock (_measurements)
            {
                return _measurements
                    .Where(m => m.Instrument == instrument && (tag is null || m.Tags.Any(t => t.Key == tag && Equals(t.Value, value))))
                    .Sum(m => m.Value);
            }
        }

        public long ObservePending()
        {
            lock (_measurements)
            {
                _measurements.RemoveAll(m => m.Instrument == "spapr.drc.unplug.pending");
            }

            _listener.RecordObservableInstruments();
            lock (_measurements)
            {
                return _measurements.Single(m => m.Instrument == "spapr.drc.unplug.pending").Value;
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
