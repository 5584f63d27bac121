using Spapr.Drc;

namespace Spapr.Drc.Benchmarks;

/// <summary>
/// What the lookup and RTAS benchmarks share: 16,384 LMB connectors and a CPU core, the LMB indexes in shuffled
/// order, and the bare dictionary over the same connectors that both targets are ratios to. BenchmarkDotNet wants the
/// baseline as a method of each class; both call <see cref="DictionaryTryGetValue"/>.
/// </summary>
internal sealed class LookupFixture : IDisposable
{
    private readonly Dictionary<uint, object> _dictionary = [];

    public LookupFixture()
    {
        Registry = Machines.WithLmbsAndCpu(Machines.LmbCount);
        Keys = Machines.ShuffledLmbKeys(Machines.LmbCount);
        foreach (var drc in Registry.Connectors)
        {
            _dictionary.Add(drc.Index.Value, drc);
        }
    }

    public DrcRegistry Registry { get; }

    /// <summary>The LMB indexes in a fixed shuffled order, so that lookups do not just stream through memory.</summary>
    public uint[] Keys { get; }

    /// <summary>The baseline: every key looked up in the dictionary.</summary>
    public int DictionaryTryGetValue()
    {
        int found = 0;
        foreach (uint key in Keys)
        {
            if (_dictionary.TryGetValue(key, out _))
            {
                found++;
            }
        }

        return found;
    }

    public void Dispose() => Registry.Dispose();
}
