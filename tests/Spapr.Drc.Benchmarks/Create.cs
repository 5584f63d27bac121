using Spapr.Drc;

namespace Spapr.Drc.Benchmarks;

/// <summary>Targets 3 and 6: building the connectors, shared by the benchmarks and the smoke mode.</summary>
internal static class Create
{
    public static Dictionary<uint, object> Dictionary(int count)
    {
        var dictionary = new Dictionary<uint, object>(count);
        for (uint i = 0; i < count; i++)
        {
            uint key = DrcIndex.From(DrcType.Lmb, i).Value;
            dictionary.Add(key, new SmallObject(key));
        }

        return dictionary;
    }

    public static int Registry(int count)
    {
        using var registry = new DrcRegistry();
        return registry.CreateConnectors(DrcType.Lmb, 0, count).Count;
    }

    public static int RegistryOneByOne(int count)
    {
        using var registry = new DrcRegistry();
        for (uint i = 0; i < count; i++)
        {
            registry.CreateConnector(DrcType.Lmb, i);
        }

        return registry.Count;
    }

    /// <summary>
    /// The managed memory a registry of <paramref name="count"/> idle LMB connectors keeps alive, per connector,
    /// measured as the heap growth after full collections; and whether any timer exists.
    /// </summary>
    public static (double BytesPerConnector, double BaselineBytesPerObject, bool HasTimer) RetainedMemory(int count)
    {
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var registry = new DrcRegistry();
        registry.CreateConnectors(DrcType.Lmb, 0, count);
        long after = GC.GetTotalMemory(forceFullCollection: true);
        bool hasTimer = registry.HasUnplugTimer;
        GC.KeepAlive(registry);
        registry.Dispose();
        registry = null;

        long beforeBaseline = GC.GetTotalMemory(forceFullCollection: true);
        var dictionary = Dictionary(count);
        long afterBaseline = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(dictionary);
        return ((after - before) / (double)count, (afterBaseline - beforeBaseline) / (double)count, hasTimer);
    }
}
