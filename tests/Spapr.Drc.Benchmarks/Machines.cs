using Spapr.Drc;

namespace Spapr.Drc.Benchmarks;

/// <summary>The machines the benchmarks and the smoke mode measure, built the same way for both.</summary>
internal static class Machines
{
    /// <summary>16,384 LMBs: 4 TiB of hot-pluggable memory in 256 MiB blocks.</summary>
    public const int LmbCount = 16_384;

    /// <summary>The CPU connector whose fragment configure-connector walks.</summary>
    public const uint CpuId = 8;

    /// <summary>The LMB indexes in a fixed shuffled order, so that lookups do not just stream through memory.</summary>
    public static uint[] ShuffledLmbKeys(int count)
    {
        var keys = new uint[count];
        for (uint i = 0; i < count; i++)
        {
            keys[i] = DrcIndex.From(DrcType.Lmb, i).Value;
        }

        new Random(42).Shuffle(keys);
        return keys;
    }

    /// <summary>A registry of <paramref name="lmbs"/> empty LMB connectors plus one cold-plugged CPU core with a typical fragment.</summary>
    public static DrcRegistry WithLmbsAndCpu(int lmbs)
    {
        var registry = new DrcRegistry();
        registry.CreateConnectors(DrcType.Lmb, 0, lmbs);
        var cpu = registry.CreateConnector(DrcType.Cpu, CpuId);
        registry.Attach(cpu.Index, new object(), CpuFragment(cpu.Index), PlugMode.Cold);
        return registry;
    }

    /// <summary>A second cold-plugged core, isolated by the guest (state Available), for allocation transitions.</summary>
    public static DrcIndex AddIsolatedCpu(DrcRegistry registry)
    {
        var cpu = registry.CreateConnector(DrcType.Cpu, CpuId + 8);
        registry.Attach(cpu.Index, new object(), CpuFragment(cpu.Index), PlugMode.Cold);
        if (registry.Rtas.SetIndicator(9001, cpu.Index.Value, 0) != RtasStatus.Success)
        {
            throw new InvalidOperationException("Isolating the core failed.");
        }

        return cpu.Index;
    }

    /// <summary>
    /// A registry of <paramref name="lmbs"/> LMB connectors, each cold-plugged as its own one-LMB device, so that
    /// every unplug request is a separate request with its own deadline.
    /// </summary>
    public static DrcRegistry WithLmbDevices(int lmbs, TimeProvider timeProvider)
    {
        var options = new DrcOptions { TimeoutPolicy = UnplugTimeoutPolicy.ClearRequest };
        var registry = new DrcRegistry(options, timeProvider);
        registry.CreateConnectors(DrcType.Lmb, 0, lmbs);
        for (uint i = 0; i < lmbs; i++)
        {
            registry.Attach(DrcIndex.From(DrcType.Lmb, i), new object(), null, PlugMode.Cold);
        }

        return registry;
    }

    /// <summary>A POWER9 core node as an emulator would hand it out: a dozen properties, no children.</summary>
    public static DeviceTreeNode CpuFragment(DrcIndex index) =>
        new DeviceTreeNode("PowerPC,POWER9@8")
            .Add(DeviceTreeProperty.FromString("device_type", "cpu"))
            .Add(DeviceTreeProperty.FromCells("reg", 8))
            .Add(DeviceTreeProperty.FromCells("ibm,my-drc-index", index.Value))
            .Add(DeviceTreeProperty.FromCells("ibm,ppc-interrupt-server#s", 8, 9, 10, 11))
            .Add(DeviceTreeProperty.FromCells("ibm,ppc-interrupt-gserver#s", 8, 8, 9, 9, 10, 10, 11, 11))
            .Add(DeviceTreeProperty.FromCells("cpu-version", 0x004E_1202))
            .Add(DeviceTreeProperty.FromCells("clock-frequency", 1_000_000_000))
            .Add(DeviceTreeProperty.FromCells("timebase-frequency", 512_000_000))
            .Add(DeviceTreeProperty.FromCells("ibm,pft-size", 0, 22))
            .Add(DeviceTreeProperty.FromCells("ibm,chip-id", 0))
            .Add(DeviceTreeProperty.FromCells("d-cache-size", 0x8000))
            .Add(DeviceTreeProperty.FromCells("i-cache-size", 0x8000))
            .Add(DeviceTreeProperty.FromCells("ibm,segment-page-sizes", 12, 0, 1, 12, 0, 16, 0x110, 1, 16, 1))
            .Add(DeviceTreeProperty.Empty("64-bit"));
}
