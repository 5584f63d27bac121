using BenchmarkDotNet.Attributes;
using Spapr.Drc;

namespace Spapr.Drc.Benchmarks;

/// <summary>Target 1: lookup by index over 16,384 LMB connectors, against a bare dictionary over the same keys.</summary>
[MemoryDiagnoser]
public class LookupBenchmarks : IDisposable
{
    private DrcRegistry _registry = null!;
    private Dictionary<uint, object> _dictionary = null!;
    private uint[] _keys = null!;

    [GlobalSetup]
    public void Setup()
    {
        _registry = Machines.WithLmbsAndCpu(Machines.LmbCount);
        _keys = Machines.ShuffledLmbKeys(Machines.LmbCount);
        _dictionary = [];
        foreach (var drc in _registry.Connectors)
        {
            _dictionary.Add(drc.Index.Value, drc);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Machines.LmbCount)]
    public int DictionaryTryGetValue()
    {
        int found = 0;
        foreach (uint key in _keys)
        {
            if (_dictionary.TryGetValue(key, out _))
            {
                found++;
            }
        }

        return found;
    }

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
        _registry?.Dispose();
        GC.SuppressFinalize(this);
    }
}
