using BenchmarkDotNet.Attributes;

namespace Spapr.Drc.Benchmarks;

/// <summary>
/// The design comparison of target 4: the library's one timer per registry against one timer per request, same
/// requests, same clock. Not run with 131,072 timers on FakeTimeProvider, which searches all of its timers for
/// the next one to fire (quadratic: minutes).
/// </summary>
[MemoryDiagnoser]
public class TimerDesignBenchmarks
{
    private TimeoutScenario _scenario = null!;

    /// <summary>The clock and the number of requests.</summary>
    [Params("fake 16384", "real 16384", "real 131072")]
    public string Case { get; set; } = "fake 16384";

    [IterationSetup]
    public void Setup()
    {
        var parts = Case.Split(' ');
        _scenario = new TimeoutScenario(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts[0] == "real");
    }

    [IterationCleanup]
    public void Cleanup() => _scenario.Dispose();

    [Benchmark(Baseline = true)]
    public void NoTimeout() => _scenario.RequestWithoutTimeout();

    [Benchmark]
    public void SharedTimerQueue() => _scenario.RequestWithSharedTimer();

    [Benchmark]
    public void TimerPerRequest() => _scenario.RequestWithTimerPerRequest();
}
