using BenchmarkDotNet.Attributes;

namespace Spapr.Drc.Benchmarks;

/// <summary>
/// Target 4 on the virtual clock: unplug requests on <see cref="Count"/> one-LMB devices with a 30 s timeout, then
/// the clock advanced past every deadline; against the same requests with no timeout.
/// </summary>
[MemoryDiagnoser]
public class UnplugTimeoutBenchmarks
{
    private TimeoutScenario _scenario = null!;

    [Params(16_384, 131_072)]
    public int Count { get; set; }

    /// <summary>Whether the scenario runs on the real clock (1 ms timeout) rather than FakeTimeProvider (30 s).</summary>
    [Params(false, true)]
    public bool RealTime { get; set; }

    [IterationSetup]
    public void Setup() => _scenario = new TimeoutScenario(Count, RealTime);

    [IterationCleanup]
    public void Cleanup() => _scenario.Dispose();

    [Benchmark(Baseline = true)]
    public void NoTimeout() => _scenario.RequestWithoutTimeout();

    [Benchmark]
    public void SharedTimerQueue() => _scenario.RequestWithSharedTimer();

    [Benchmark]
    public void TimerPerRequest() => _scenario.RequestWithTimerPerRequest();
}
