namespace Spapr.Drc.Stress.Infrastructure;

/// <summary>A populated pSeries machine: CPU cores, LMBs (memory devices span several), PHBs and the PCI slots they own.</summary>
internal static class TestMachine
{
    public const int Cpus = 8;
    public const int Lmbs = 32;
    public const int Phbs = 2;

    /// <summary>PCI devfns per PHB: slots 1 and 2, functions 0..2 (function 0 carries the slot).</summary>
    public static readonly uint[] DevFns = [0x08, 0x09, 0x0A, 0x10, 0x11, 0x12];

    private static int s_serial;

    public static DrcRegistry Create(DrcOptions? options, TimeProvider time, Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        var registry = new DrcRegistry(options, time, logger);
        registry.CreateConnectors(DrcType.Cpu, 0, Cpus);
        registry.CreateConnectors(DrcType.Lmb, 0, Lmbs);
        registry.CreateConnectors(DrcType.Phb, 0, Phbs);
        for (uint phb = 0; phb < Phbs; phb++)
        {
            CreatePciSlots(registry, phb);
        }

        return registry;
    }

    public static uint PciId(uint phb, uint devfn) => (phb << 16) | devfn;

    /// <summary>
    /// Creates the PCI connectors of a PHB that do not exist (again, after its release took them along). Call from one
    /// thread only. Another thread may plug the PHB and release it again half-way through, taking the first few new
    /// connectors along while the rest are still to come: so each is created only when it is missing.
    /// </summary>
    public static void CreatePciSlots(DrcRegistry registry, uint phb)
    {
        var owner = DrcIndex.From(DrcType.Phb, phb);
        foreach (var devfn in DevFns)
        {
            if (!registry.TryGet(DrcType.Pci, PciId(phb, devfn), out _))
            {
                registry.CreateConnector(DrcType.Pci, PciId(phb, devfn), owner);
            }
        }
    }

    /// <summary>Cold-plugs the boot CPU, a few cores, two memory devices and the PHBs with a full slot each.</summary>
    public static void Populate(DrcRegistry registry)
    {
        for (uint cpu = 0; cpu < 4; cpu++)
        {
            Attach(registry, DrcIndex.From(DrcType.Cpu, cpu), PlugMode.Cold);
        }

        AttachMemory(registry, 0, 4, PlugMode.Cold);
        AttachMemory(registry, 8, 2, PlugMode.Cold);
        for (uint phb = 0; phb < Phbs; phb++)
        {
            Attach(registry, DrcIndex.From(DrcType.Phb, phb), PlugMode.Cold);
            Attach(registry, DrcIndex.From(DrcType.Pci, PciId(phb, 0x08)), PlugMode.Cold);
            Attach(registry, DrcIndex.From(DrcType.Pci, PciId(phb, 0x09)), PlugMode.Cold);
        }
    }

    public static bool Attach(DrcRegistry registry, DrcIndex index, PlugMode mode) =>
        registry.TryAttach(index, NewDevice(index), Fragment(index), mode, out _);

    public static bool AttachMemory(DrcRegistry registry, uint firstLmb, int count, PlugMode mode) =>
        registry.TryAttachMemoryDevice(DrcIndex.From(DrcType.Lmb, firstLmb), count, NewDevice(DrcIndex.From(DrcType.Lmb, firstLmb)), Fragment, mode, out _);

    public static TestDevice NewDevice(DrcIndex index) => new(Interlocked.Increment(ref s_serial), index);

    /// <summary>A small device tree: a node with properties and one child (NextChild, NextProperty, PrevParent and Success all occur).</summary>
    public static DeviceTreeNode Fragment(DrcIndex index) =>
        new DeviceTreeNode($"dev@{index.Value:x}")
            .Add(DeviceTreeProperty.FromCells("ibm,my-drc-index", index.Value))
            .Add(DeviceTreeProperty.FromString("compatible", "test,stress-device"))
            .Add(new DeviceTreeNode("child@0").Add(DeviceTreeProperty.FromCells("reg", 0, 0x1000)).Add(DeviceTreeProperty.Empty("marker")));
}

/// <summary>The emulator's device object.</summary>
internal sealed record TestDevice(int Serial, DrcIndex AttachedAt);
