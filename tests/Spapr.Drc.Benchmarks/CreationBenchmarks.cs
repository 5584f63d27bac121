using BenchmarkDotNet.Attributes;
using Spapr.Drc;

namespace Spapr.Drc.Benchmarks;

/// <summary>Target 6: a registry of 16,384 LMB connectors against as many small objects put in a dictionary.</summary>
[MemoryDiagnoser]
public class CreationBenchmarks
{
    [Benchmark(Baseline = true)]
    public int DictionaryOfSmallObjects() => Create.Dictionary(Machines.LmbCount).Count;

    [Benchmark]
    public int RegistryCreateConnectors() => Create.Registry(Machines.LmbCount);

    /// <summary>The same, one <c>CreateConnector</c> call per LMB, as an emulator that creates connectors one by one would.</summary>
    [Benchmark]
    public int RegistryCreateConnectorOneByOne() => Create.RegistryOneByOne(Machines.LmbCount);
}
