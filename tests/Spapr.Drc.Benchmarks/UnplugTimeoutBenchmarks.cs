using BenchmarkDotNet.Attributes;

namespace Spapr.Drc.Benchmarks;

/// <summary>
/// Target 4: unplug requests on <see cref="Count"/> one-LMB devices with a timeout (30 s on FakeTimeProvider,
/// 1 ms on the real clock), until every one has expired; against the same requests with no timeout.
/// </summary>
[MemoryDiagnoser]
public class UnplugTimeoutBenchmarks
{
    private TimeoutScenario _scenario = null!;

    [Params(16_384, 131_072)]
    public int Count { get; set; }

    /// <summary>Whether the scenario runs on the real clock rather than FakeTimeProvider.</summary>
    [Params(false, true)]
    public bool RealTime { get; set; }

    /// <summary>
    /// The timer callback's methods run only when deadlines pass, a few times per iteration, and the job's three
    /// warm-up iterations end well within tiered compilation's 100 ms delay: both paths are warmed up as the smoke mode
    /// warms them (<see cref="Measure.WarmUp"/>).
    /// </summary>
    [GlobalSetup]
    public void WarmUp() => Measure.WarmUp(
        (() => new TimeoutScenario(Count, RealTime), s => s.RequestWithoutTimeout()),
        (() => new TimeoutScenario(Count, RealTime), s => s.RequestWithSharedTimer()));

    [IterationSetup]
    public void Setup() => _scenario = new TimeoutScenario(Count, RealTime);

    [IterationCleanup]
    public void Cleanup() => _scenario.Dispose();

    [Benchmark(Baseline = true)]
    public void NoTimeout() => _scenario.RequestWithoutTimeout();

    [Benchmark]
    public void SharedTimerQueue() => _scenario.RequestWithSharedTimer();
}
