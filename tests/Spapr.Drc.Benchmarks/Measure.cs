using System.Diagnostics;

namespace Spapr.Drc.Benchmarks;

/// <summary>The smoke mode's stopwatch: warm up, then the best of a few timed rounds, the two sides interleaved.</summary>
internal static class Measure
{
    /// <summary>
    /// Nanoseconds per operation of two loops, each the fastest of <paramref name="rounds"/> short rounds: on a
    /// shared machine the fastest round is the one nobody preempted, which is what the ratio should compare.
    /// </summary>
    public static (double Value, double Baseline) NanosecondsPerOp(Func<int> value, Func<int> baseline, int opsPerCall, int rounds = 25, int callsPerRound = 20)
    {
        // Warm up past tiered compilation: 30 calls make a method hot, the optimizing JIT then compiles it in the
        // background after a short delay, and only later calls run that code. BenchmarkDotNet's warm-up does the same.
        for (int pass = 0; pass < 2; pass++)
        {
            for (int i = 0; i < Math.Max(callsPerRound, 40); i++)
            {
                value();
                baseline();
            }

            Thread.Sleep(250);
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

    /// <summary>
    /// Processor milliseconds (every thread of the process: the caller, timer callbacks, the GC) of each scenario
    /// on a fresh fixture, the least of <paramref name="rounds"/>, the scenarios interleaved round by round.
    /// Processor time rather than wall time: on a shared machine the wall clock mostly measures the neighbours,
    /// and on the real clock it would include the idle wait for the deadline.
    /// </summary>
    public static double[] CpuMilliseconds(int rounds, params (Func<TimeoutScenario> Setup, Action<TimeoutScenario> Run)[] scenarios)
    {
        var best = Enumerable.Repeat(double.MaxValue, scenarios.Length).ToArray();
        using var process = Process.GetCurrentProcess();
        WarmUp(scenarios);
        for (int r = 0; r < rounds; r++)
        {
            for (int i = 0; i < scenarios.Length; i++)
            {
                using var fixture = scenarios[i].Setup();
                GC.Collect();
                GC.WaitForPendingFinalizers();
                process.Refresh();
                var before = process.TotalProcessorTime;
                scenarios[i].Run(fixture);

                // The kernel brings a thread's CPU time up to date at its ticks (every 4 ms at HZ=250) and when it
                // blocks: a timer thread still finishing its last batch on the other core when the run returned would
                // read up to a tick short (16,384 real-clock timeouts measured 1.2 ms one run, 3 ms the next). Let it
                // finish and block first.
                Thread.Sleep(20);
                process.Refresh();
                best[i] = Math.Min(best[i], (process.TotalProcessorTime - before).TotalMilliseconds);
            }
        }

        return best;
    }

    /// <summary>
    /// Runs each scenario three times on a fresh fixture, then gives the compiler's background thread time to finish, as
    /// <see cref="NanosecondsPerOp"/> does: the timer callback's methods run only a few times per round, so the first
    /// rounds would otherwise measure unoptimized code and the compiler's own thread.
    /// </summary>
    public static void WarmUp(params (Func<TimeoutScenario> Setup, Action<TimeoutScenario> Run)[] scenarios)
    {
        for (int r = 0; r < 3; r++)
        {
            foreach (var (setup, run) in scenarios)
            {
                using var fixture = setup();
                run(fixture);
            }
        }

        Thread.Sleep(250);
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
