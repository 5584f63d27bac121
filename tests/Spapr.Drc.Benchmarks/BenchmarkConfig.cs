using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Spapr.Drc.Benchmarks;

/// <summary>
/// One short job for every class (3 warm-up and 9 measured iterations): the whole suite has to finish in about twenty minutes on two shared cores,
/// and the targets are ratios to a baseline in the same class, so the noise a short run leaves mostly cancels.
/// In process: no generated project to build and no process per case, which would take most of that time.
/// Reports go next to the benchmark binaries, not into the directory the command was run from (the repository's
/// top level holds only what DESIGN.md lists).
/// </summary>
internal static class BenchmarkConfig
{
    public static IConfig Create() =>
        DefaultConfig.Instance
            .AddJob(Job.Default
                .WithLaunchCount(1)
                .WithWarmupCount(3)
                .WithIterationCount(9)
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithId("ShortInProcess"))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(StatisticColumn.Median)
            .WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts"))
            .WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Value));
}
