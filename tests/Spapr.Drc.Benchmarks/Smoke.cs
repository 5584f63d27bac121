using System.Diagnostics;
using Spapr.Drc;

namespace Spapr.Drc.Benchmarks;

/// <summary>
/// The quick mode (<c>--smoke</c>): every comparison of the suite, briefly, with a stopwatch instead of a
/// BenchmarkDotNet job; one JSON object per target on standard output. Exit code 0 only when every target is met.
/// </summary>
internal static class Smoke
{
    /// <param name="output">Where the JSON lines go.</param>
    /// <param name="only">Runs only the groups whose name contains this (lookup, rtas, idle, timeouts, unplug, creation, snapshot); all when null.</param>
    public static int Run(TextWriter output, string? only = null)
    {
        var total = Stopwatch.StartNew();
        var results = new List<SmokeResult>();
        void Report(SmokeResult result)
        {
            results.Add(result);
            output.WriteLine(result.ToJson());
            output.Flush();
        }

        bool Selected(string group) => only is null || group.Contains(only, StringComparison.OrdinalIgnoreCase);
        if (Selected("lookup"))
        {
            Lookup(Report);
        }

        if (Selected("rtas"))
        {
            Rtas(Report);
            RtasDispatch(Report);
        }

        if (Selected("idle"))
        {
            Idle(Report);
        }

        if (Selected("timeouts fake"))
        {
            Timeouts(Report, realTime: false);
        }

        if (Selected("timeouts real"))
        {
            Timeouts(Report, realTime: true);
        }

        if (Selected("unplug cycles"))
        {
            UnplugCycles(Report);
        }

        if (Selected("creation"))
        {
            Creation(Report);
        }

        if (Selected("snapshot"))
        {
            Snapshot(Report);
        }

        int missed = results.Count(r => !r.Ok);
        Console.Error.WriteLine($"smoke: {results.Count - missed}/{results.Count} ok in {total.Elapsed.TotalSeconds:0.0} s");
        return missed == 0 ? 0 : 1;
    }

    private static void Lookup(Action<SmokeResult> report)
    {
        var bench = new LookupBenchmarks();
        bench.Setup();
        var (value, baseline) = Measure.NanosecondsPerOp(bench.RegistryTryGet, bench.DictionaryTryGetValue, Machines.LmbCount);
        report(new("lookup.tryget_vs_dictionary", "ns", value, baseline, 1.5));
        report(new("lookup.tryget.allocated", "B/op", Measure.AllocatedBytesPerCall(() => bench.RegistryTryGet(), 200) / Machines.LmbCount, null, 0, "value"));
        bench.Dispose();
    }

    private static void Rtas(Action<SmokeResult> report)
    {
        var bench = new RtasBenchmarks();
        bench.Setup();
        var (value, baseline) = Measure.NanosecondsPerOp(() => (int)bench.GetSensorState(), bench.DictionaryTryGetValue, Machines.LmbCount);
        report(new("rtas.get_sensor_state_vs_dictionary", "ns", value, baseline, 4));
        report(new("rtas.get_sensor_state.allocated", "B/op", Measure.AllocatedBytesPerCall(() => bench.GetSensorState(), 200) / Machines.LmbCount, null, 0, "value"));
        report(new("rtas.set_indicator_noop.allocated", "B/op", Measure.AllocatedBytesPerCall(() => bench.SetIndicatorNoOp()), null, 0, "value"));
        report(new("rtas.set_indicator_transition.allocated", "B/op", Measure.AllocatedBytesPerCall(() => bench.SetIndicatorTransition()) / 2, null, 0, "value"));
        report(new("rtas.configure_connector_walk.allocated", "B/walk", Measure.AllocatedBytesPerCall(() => bench.ConfigureConnectorWalk()), null, 0, "value"));
        bench.Dispose();
    }

    /// <summary>RTAS through guest memory (<see cref="RtasDispatcher"/>): 0 B per call of every kind; the time next to the direct call is a comparison.</summary>
    private static void RtasDispatch(Action<SmokeResult> report)
    {
        var bench = new RtasDispatchBenchmarks();
        bench.Setup();
        var dispatcher = bench.Dispatcher;
        foreach (var (kind, at) in RtasDispatchBenchmarks.Calls)
        {
            report(new($"rtas.dispatch.allocated.{kind}", "B/call", Measure.AllocatedBytesPerCall(() => dispatcher.Dispatch(at)), null, 0, "value"));
        }

        report(new("rtas.dispatch.allocated.set_indicator_transition", "B/call", Measure.AllocatedBytesPerCall(() => bench.SetIndicatorTransition()) / 2, null, 0, "value"));
        report(new("rtas.dispatch.allocated.configure_connector", "B/walk", Measure.AllocatedBytesPerCall(() => bench.ConfigureConnectorWalk()), null, 0, "value"));

        // Taking an event: queue more than the warm-up and the measured calls take (queuing is host side and allocates).
        bench.QueueEvents(10_200);
        report(new("rtas.dispatch.allocated.check_exception_with_event", "B/call", Measure.AllocatedBytesPerCall(() => bench.CheckException()), null, 0, "value"));
        if (bench.Registry.GetQueuedEvents().Count != 100)
        {
            throw new InvalidOperationException("check-exception did not take one event per call.");
        }

        var setIndicator = Measure.NanosecondsPerOp(() => bench.SetIndicatorNoOp(), () => (int)bench.DirectSetIndicatorNoOp(), 1, callsPerRound: 2_000);
        report(new("rtas.dispatch.set_indicator_vs_direct", "ns", setIndicator.Value, setIndicator.Baseline, null));
        var walk = Measure.NanosecondsPerOp(() => bench.ConfigureConnectorWalk(), () => RtasBenchmarks.Walk(bench.Registry.Rtas, DrcIndex.From(DrcType.Cpu, Machines.CpuId).Value, new byte[DrcRtas.WorkAreaSize]), 1, callsPerRound: 200);
        report(new("rtas.dispatch.configure_connector_walk_vs_direct", "ns/walk", walk.Value, walk.Baseline, null));
        bench.Dispose();
    }

    private static void Idle(Action<SmokeResult> report)
    {
        var (bytes, baseline, hasTimer) = Create.RetainedMemory(IdleConnectorBenchmarks.Count);
        report(new("idle.bytes_per_connector_1m", "B", bytes, baseline, 128, "value"));
        report(new("idle.timer_objects", "count", hasTimer ? 1 : 0, null, 0, "value"));
    }

    private static void Timeouts(Action<SmokeResult> report, bool realTime)
    {
        string clock = realTime ? "real_1ms" : "fake_30s";
        const int Small = 16_384, Large = 131_072;
        Func<TimeoutScenario> small = () => new TimeoutScenario(Small, realTime), large = () => new TimeoutScenario(Large, realTime);
        Action<TimeoutScenario> none = s => s.RequestWithoutTimeout(), shared = s => s.RequestWithSharedTimer(), perRequest = s => s.RequestWithTimerPerRequest();

        // Both sizes take the best of the same number of rounds: with fewer rounds the larger size's best would come
        // from fewer chances at a quiet machine, which biases the 16k-to-128k ratio upwards.
        const int Rounds = 11;
        var ms = Measure.CpuMilliseconds(Rounds, (small, none), (small, shared));
        report(new($"timeouts.{clock}.16k_vs_no_timeout", "cpu ms", ms[1], ms[0], 3));
        var msLarge = Measure.CpuMilliseconds(Rounds, (large, none), (large, shared));
        report(new($"timeouts.{clock}.128k_vs_16k", "cpu ms", msLarge[1], ms[1], 10));
        report(new($"timeouts.{clock}.128k_vs_no_timeout", "cpu ms", msLarge[1], msLarge[0], 3));
        report(new($"timeouts.{clock}.128k_vs_16k_no_timeout", "cpu ms", msLarge[0], ms[0], null));

        // What the timeouts add (requests with a timeout minus the same requests without), 16k to 128k: the timer
        // design's own scaling, without the request path's (which includes the collections of a larger heap).
        report(new($"timeouts.{clock}.128k_vs_16k_timeout_cost", "cpu ms", msLarge[1] - msLarge[0], ms[1] - ms[0], null));

        // The design the library did not take, for the README's comparison (not a target).
        var msPerRequest = Measure.CpuMilliseconds(realTime ? 3 : 1, (small, perRequest));
        report(new($"timeouts.{clock}.16k_timer_per_request_vs_no_timeout", "cpu ms", msPerRequest[0], ms[0], null));
        if (realTime)
        {
            // Not on FakeTimeProvider: it looks for the next timer to fire among all of them, so 131,072 timers
            // cost minutes there (quadratic); the 16k ratio above already shows that design's cost.
            var msPerRequestLarge = Measure.CpuMilliseconds(1, (large, perRequest));
            report(new($"timeouts.{clock}.128k_vs_16k_timer_per_request", "cpu ms", msPerRequestLarge[0], msPerRequest[0], null));
            report(new($"timeouts.{clock}.128k_timer_per_request_vs_no_timeout", "cpu ms", msPerRequestLarge[0], msLarge[0], null));
        }
    }

    private static void UnplugCycles(Action<SmokeResult> report)
    {
        // Bytes per device cycle over three invocations after the setup's warm-up; plugging the next devices is not counted.
        var bench = new UnplugCycleBenchmarks();
        bench.Setup();
        double Allocated(Action cycle)
        {
            long bytes = 0;
            for (int i = 0; i < 3; i++)
            {
                bench.PlugAll();
                long before = GC.GetAllocatedBytesForCurrentThread();
                cycle();
                bytes += GC.GetAllocatedBytesForCurrentThread() - before;
            }

            return bytes / (3.0 * UnplugCycleBenchmarks.Devices);
        }

        report(new("unplug.allocated.request_and_timeout", "B/op", Allocated(bench.RequestAndTimeout), null, 0, "value"));
        report(new("unplug.allocated.request_and_completion", "B/op", Allocated(bench.RequestAndCompletion), null, 0, "value"));
        bench.Cleanup();
    }

    private static void Snapshot(Action<SmokeResult> report)
    {
        var bench = new SnapshotBenchmarks();
        bench.Setup();
        var save = Measure.NanosecondsPerOp(() => (int)bench.Save(), bench.WriteRecords, SnapshotBenchmarks.Connectors, rounds: 7, callsPerRound: 10);
        report(new("snapshot.save_100k_vs_binaryprimitives", "ns/connector", save.Value, save.Baseline, 3));
        var load = Measure.NanosecondsPerOp(bench.Load, () => (int)bench.ReadRecords(), SnapshotBenchmarks.Connectors, rounds: 7, callsPerRound: 10);
        report(new("snapshot.load_100k_vs_binaryprimitives", "ns/connector", load.Value, load.Baseline, 3));
        // A save allocates a fixed few objects, nothing per connector: under 0.01 B per connector is that.
        report(new("snapshot.save.allocated_per_connector", "B", Measure.AllocatedBytesPerCall(() => bench.Save(), 20) / SnapshotBenchmarks.Connectors, null, 0.01, "value"));
        bench.Dispose();
    }

    private static void Creation(Action<SmokeResult> report)
    {
        var (value, baseline) = Measure.NanosecondsPerOp(
            () => Create.Registry(Machines.LmbCount),
            () => Create.Dictionary(Machines.LmbCount).Count,
            Machines.LmbCount,
            rounds: 40,
            callsPerRound: 1);
        report(new("creation.registry_16k_vs_dictionary", "ns/connector", value, baseline, 3));
    }
}
