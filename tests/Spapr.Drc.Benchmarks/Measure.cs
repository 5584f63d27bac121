using System.Diagnostics;

namespace Spapr.Drc.Benchmarks;

/// <summary>The smoke mode's stopwatch: warm up, then the best of a few timed rounds, the two sides interleaved.</summary>
internal static class Measure
{
    /// <summary>Nanoseconds per operation of two loops, each the fastest of <paramref name="rounds"/> rounds.</summary>
    public static (double Value, double Baseline) NanosecondsPerOp(Func<int> value, Func<int> baseline, int opsPerCall, int rounds = 7, int callsPerRound = 200)
    {
        for (int i = 0; i < callsPerRound; i++)
        {
            value();
            baseline();
        }

        double best = double.MaxValue, bestBaseline = double.MaxValue;
        for (int r = 0; r < rounds; r++)
        {
            bestBaseline = Math.Min(bestBaseline, Round(baseline, opsPerCall, callsPerRound));
            best = Math.Min(best, Round(value, opsPerCall, callsPerRound));
        }

        return (best, bestBaseline);
    }

    /// <summary>Bytes allocated on this thread per call, after a warm-up.</summary>
    public static double AllocatedBytesPerCall(Action call, int calls = 10_000)
    {
        for (int i = 0; i < 100; i++)
        {
            call();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++)
        {
            call();
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)calls;
    }

    /// <summary>Milliseconds of <paramref name="run"/> on a fresh fixture, the fastest of <paramref name="rounds"/>.</summary>
    public static double Milliseconds<T>(Func<T> setup, Action<T> run, int rounds)
        where T : IDisposable
    {
        double best = double.MaxValue;
        for (int r = 0; r < rounds; r++)
        {
            using var fixture = setup();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var watch = Stopwatch.StartNew();
            run(fixture);
            best = Math.Min(best, watch.Elapsed.TotalMilliseconds);
        }

        return best;
    }

    private static double Round(Func<int> call, int opsPerCall, int calls)
    {
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < calls; i++)
        {
            call();
        }

        return watch.Elapsed.TotalNanoseconds / ((double)calls * opsPerCall);
    }
}
