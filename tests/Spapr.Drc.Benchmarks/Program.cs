using BenchmarkDotNet.Running;
using Spapr.Drc.Benchmarks;

int smoke = Array.IndexOf(args, "--smoke");
if (smoke >= 0)
{
    return Smoke.Run(Console.Out, smoke + 1 < args.Length ? args[smoke + 1] : null);
}

// Target 3 is retained memory, which no BenchmarkDotNet column shows: measure it once up front.
var (bytes, baseline, hasTimer) = Create.RetainedMemory(IdleConnectorBenchmarks.Count);
Console.WriteLine($"Idle connectors: {bytes:0.0} B retained per LMB connector for {IdleConnectorBenchmarks.Count:N0} (dictionary of small objects: {baseline:0.0} B), timer created: {hasTimer}");

BenchmarkSwitcher.FromAssembly(typeof(Smoke).Assembly).Run(args, BenchmarkConfig.Create());
return 0;
