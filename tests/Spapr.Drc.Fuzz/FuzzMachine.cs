using Microsoft.Extensions.Time.Testing;

namespace Spapr.Drc.Fuzz;

/// <summary>
/// A populated machine like an emulator's: every connector type, cold-plugged and hot-plugged devices with
/// device-tree fragments (nested for PHBs, so configure-connector walks children), on a fake clock so that runs are
/// deterministic and timers fire only when an input advances the clock.
/// </summary>
internal static class FuzzMachine
{
    public const uint LmbFirstId = 0x10;
    public const uint PciSlot4 = 0x20; // devfn = slot 4 << 3 | function 0

    public static readonly DateTimeOffset Epoch = new(2024, 3, 15, 14, 7, 9, TimeSpan.Zero);

    /// <summary>The machine a setup byte selects: bit 0 the timeout policy, bit 1 whether the guest negotiated.</summary>
    public static DrcRegistry Create(FakeTimeProvider clock, byte setup) =>
        Create(clock, (setup & 1) == 0 ? UnplugTimeoutPolicy.KeepPending : UnplugTimeoutPolicy.ClearRequest, negotiate: (setup & 2) != 0);

    public static DrcRegistry Create(FakeTimeProvider clock, UnplugTimeoutPolicy policy, bool negotiate)
    {
        var options = new DrcOptions { TimeoutPolicy = policy, BootCpuId = 0 }
            .SetUnplugTimeout(DrcType.Cpu, TimeSpan.FromSeconds(15))
            .SetUnplugTimeout(DrcType.Pmem, Timeout.InfiniteTimeSpan);
        var registry = new DrcRegistry(options, clock);
        registry.CreateConnectors(DrcType.Cpu, 0, 8);
        var phbs = registry.CreateConnectors(DrcType.Phb, 0, 3);
        registry.CreateConnectors(DrcType.Pci, PciSlot4, 8, phbs[0].Index);
        registry.CreateConnectors(DrcType.Lmb, LmbFirstId, 12);
        registry.CreateConnectors(DrcType.Pmem, 0, 2);
        if (negotiate)
        {
            registry.NegotiateClientArchitecture();
        }

        registry.Attach(DrcIndex.From(DrcType.Cpu, 0), "cpu0", Cpu(0), PlugMode.Cold);
        registry.Attach(DrcIndex.From(DrcType.Cpu, 1), "cpu1", Cpu(1), PlugMode.Cold);
        registry.Attach(DrcIndex.From(DrcType.Cpu, 2), "cpu2", Cpu(2), PlugMode.Hot);
        registry.Attach(phbs[1].Index, "phb1", Phb(1), PlugMode.Cold);
        registry.Attach(phbs[2].Index, "phb2", Phb(2), PlugMode.Hot);
        registry.Attach(DrcIndex.From(DrcType.Pci, PciSlot4), "pci0", Pci(0), PlugMode.Cold);
        registry.Attach(DrcIndex.From(DrcType.Pci, PciSlot4 + 1), "pci1", Pci(1), PlugMode.Cold);
        registry.AttachMemoryDevice(DrcIndex.From(DrcType.Lmb, LmbFirstId), 4, "dimm0", Lmb, PlugMode.Cold);
        registry.AttachMemoryDevice(DrcIndex.From(DrcType.Lmb, LmbFirstId + 4), 3, "dimm1", Lmb, PlugMode.Hot);
        registry.Attach(DrcIndex.From(DrcType.Pmem, 0), "nvdimm0", null, PlugMode.Hot);
        registry.AssertInvariants();
        return registry;
    }

    /// <summary>A fragment for a device plugged by an input: its shape comes from one byte.</summary>
    public static DeviceTreeNode? Fragment(DrcIndex index, byte shape) => (shape % 4) switch
    {
        0 => null,
        1 => Cpu(index.Id),
        2 => Phb(index.Id),
        _ => new DeviceTreeNode("empty@" + index.Id.ToString("x", System.Globalization.CultureInfo.InvariantCulture)),
    };

    public static DeviceTreeNode? Lmb(DrcIndex index) =>
        index.Id % 2 == 0 ? null : new DeviceTreeNode("lmb").Add(DeviceTreeProperty.FromCells("reg", index.Id));

    private static DeviceTreeNode Cpu(uint id) =>
        new DeviceTreeNode("PowerPC,POWER9@" + id)
            .Add(DeviceTreeProperty.FromString("device_type", "cpu"))
            .Add(DeviceTreeProperty.FromCells("reg", id))
            .Add(DeviceTreeProperty.Empty("ibm,pft-size"))
            .Add(new DeviceTreeProperty("big", new byte[5000]));

    private static DeviceTreeNode Phb(uint id) =>
        new DeviceTreeNode("pci@" + (0x800000020000000UL + id).ToString("x", System.Globalization.CultureInfo.InvariantCulture))
            .Add(DeviceTreeProperty.FromString("device_type", "pci"))
            .Add(new DeviceTreeNode("child@1")
                .Add(DeviceTreeProperty.FromCells("reg", 1, 2, 3))
                .Add(new DeviceTreeNode("grandchild@2")))
            .Add(new DeviceTreeNode("child@3"));

    private static DeviceTreeNode Pci(uint function) =>
        new DeviceTreeNode("ethernet@4," + function).Add(DeviceTreeProperty.FromCells("vendor-id", 0x1af4));
}
