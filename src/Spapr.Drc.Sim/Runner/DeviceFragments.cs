using System.Globalization;

namespace Spapr.Drc.Sim.Runner;

/// <summary>
/// Small, plausible device-tree fragments per connector type, so configure-connector has something to hand
/// out: the shape an emulator would build (a node, a few properties, sometimes a child), not a full device.
/// </summary>
internal static class DeviceFragments
{
    // One builder per connector type: a data table, so drcsim holds no switch over types (the library's class table
    // holds every per-type rule; what a device looks like is the emulator's business, hence here).
    private static readonly Dictionary<DrcType, Func<DrcIndex, DeviceTreeNode>> Builders = new()
    {
        [DrcType.Cpu] = CpuCore,
        [DrcType.Phb] = HostBridge,
        [DrcType.Pci] = PciFunction,
        [DrcType.Lmb] = MemoryBlock,
        [DrcType.Pmem] = PersistentMemory,
    };

    public static DeviceTreeNode For(DrcIndex index) => Builders[index.Type](index);

    private static string Hex(uint id) => id.ToString("x", CultureInfo.InvariantCulture);

    private static DeviceTreeNode CpuCore(DrcIndex index)
    {
        uint id = index.Id;
        return new DeviceTreeNode("PowerPC,POWER10@" + Hex(id))
            .Add(DeviceTreeProperty.FromString("device_type", "cpu"))
            .Add(DeviceTreeProperty.FromCells("reg", id))
            .Add(DeviceTreeProperty.FromCells("ibm,my-drc-index", index.Value))
            .Add(DeviceTreeProperty.FromCells("ibm,ppc-interrupt-server#s", id, id + 1, id + 2, id + 3))
            .Add(new DeviceTreeNode("l2-cache@" + Hex(id))
                .Add(DeviceTreeProperty.FromString("device_type", "cache"))
                .Add(DeviceTreeProperty.FromCells("d-cache-size", 0x10_0000)));
    }

    private static DeviceTreeNode HostBridge(DrcIndex index) =>
        new DeviceTreeNode("pci@80000002000" + Hex(index.Id))
            .Add(DeviceTreeProperty.FromString("device_type", "pci"))
            .Add(DeviceTreeProperty.FromCells("ibm,my-drc-index", index.Value))
            .Add(DeviceTreeProperty.FromCells("#address-cells", 3))
            .Add(DeviceTreeProperty.FromCells("#size-cells", 2));

    private static DeviceTreeNode PciFunction(DrcIndex index)
    {
        uint id = index.Id;
        return new DeviceTreeNode(string.Create(CultureInfo.InvariantCulture, $"ethernet@{(id & 0xFF) >> 3:x},{id & 7}"))
            .Add(DeviceTreeProperty.FromCells("vendor-id", 0x1AF4))
            .Add(DeviceTreeProperty.FromCells("device-id", 0x1000))
            .Add(DeviceTreeProperty.FromCells("ibm,my-drc-index", index.Value))
            .Add(DeviceTreeProperty.FromString("ibm,loc-code", "C" + id.ToString(CultureInfo.InvariantCulture)));
    }

    private static DeviceTreeNode MemoryBlock(DrcIndex index)
    {
        // LMB id = guest physical address / 256 MiB (SPEC section 1).
        ulong address = (ulong)index.Id << 28;
        return new DeviceTreeNode("memory@" + address.ToString("x", CultureInfo.InvariantCulture))
            .Add(DeviceTreeProperty.FromString("device_type", "memory"))
            .Add(DeviceTreeProperty.FromCells("reg", (uint)(address >> 32), (uint)address, 0, 0x1000_0000))
            .Add(DeviceTreeProperty.FromCells("ibm,my-drc-index", index.Value));
    }

    private static DeviceTreeNode PersistentMemory(DrcIndex index) =>
        new DeviceTreeNode("ibm,pmemory@" + Hex(index.Id))
            .Add(DeviceTreeProperty.FromString("device_type", "ibm,pmemory"))
            .Add(DeviceTreeProperty.FromCells("ibm,my-drc-index", index.Value))
            .Add(DeviceTreeProperty.FromString("ibm,unit-guid", string.Create(CultureInfo.InvariantCulture, $"00000000-0000-0000-0000-{index.Id:x12}")));
}
