using BenchmarkDotNet.Attributes;
using Spapr.Drc;

namespace Spapr.Drc.Benchmarks;

/// <summary>Target 1: lookup by index over 16,384 LMB connectors, against a bare dictionary over the same keys.</summary>
[MemoryDiagnoser]
public class LookupBenchmarks : IDisposable
{
    private LookupFixture _fixture = null!;
    private DrcRegistry _registry = null!;
    private uint[] _keys = null!;

    [GlobalSetup]
    public void Setup()
    {
        _fixture = new LookupFixture();
        _registry = _fixture.Registry;
        _keys = _fixture.Keys;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Machines.LmbCount)]
    public int DictionaryTryGetValue() => _fixture.DictionaryTryGetValue();

    [Benchmark(OperationsPerInvoke = Machines.LmbCount)]
    public int RegistryTryGet()
    {
        int found = 0;
        foreach (uint key in _keys)
        {
            if (_registry.TryGet(new DrcIndex(key), out _))
            {
                found++;
            }
        }

        return found;
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _fixture?.Dispose();
        GC.SuppressFinalize(this);
    }
}
