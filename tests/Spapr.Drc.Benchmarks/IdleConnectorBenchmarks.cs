using BenchmarkDotNet.Attributes;

namespace Spapr.Drc.Benchmarks;

/// <summary>
/// Target 3: 1,000,000 idle LMB connectors. The allocated column is what creating them costs; the retained bytes
/// per connector (the target) are measured separately by the smoke mode and printed before the suite runs.
/// </summary>
[MemoryDiagnoser]
public class IdleConnectorBenchmarks
{
    public const int Count = 1_000_000;

    [Benchmark(Baseline = true)]
    public int DictionaryOfSmallObjects() => Create.Dictionary(Count).Count;

    [Benchmark]
    public int RegistryCreateConnectors() => Create.Registry(Count);
}
