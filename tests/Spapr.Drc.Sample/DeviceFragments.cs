using System.Globalization;

namespace Spapr.Drc.Sample;

/// <summary>
/// The device-tree nodes the machine hands the guest through ibm,configure-connector when it acquires a device: the
/// node Linux adds to its tree. The library walks them; what they contain is the emulator's business. These are
/// small but plausible (QEMU's have more properties).
/// </summary>
public static class DeviceFragments
{
    /// <summary>The node of a CPU core.</summary>
    public static DeviceTreeNode CpuCore(DrcIndex connector, int threads)
    {
        uint id = connector.Id;
        var servers = Enumerable.Range(0, threads).Select(t => id + (uint)t).ToArray();
        return new DeviceTreeNode("PowerPC,POWER10@" + Hex(id))
            .Add(DeviceTreeProperty.FromString("device_type", "cpu"))
            .Add(DeviceTreeProperty.FromCells("reg", id))
            .Add(DeviceTreeProperty.FromCells("ibm,my-drc-index", connector.Value))
            .Add(DeviceTreeProperty.FromCells("ibm,ppc-interrupt-server#s", servers))
            .Add(new DeviceTreeNode("l2-cache@" + Hex(id))
                .Add(DeviceTreeProperty.FromString("device_type", "cache")));
    }

    /// <summary>The node of a PCI host bridge.</summary>
    public static DeviceTreeNode HostBridge(DrcIndex connector) =>
        new DeviceTreeNode("pci@800000020000" + Hex(connector.Id))
            .Add(DeviceTreeProperty.FromString("device_type", "pci"))
            .Add(DeviceTreeProperty.FromCells("ibm,my-drc-index", connector.Value))
            .Add(DeviceTreeProperty.FromCells("#address-cells", 3))
            .Add(DeviceTreeProperty.FromCells("#size-cells", 2));

    /// <summary>The node of a single-function PCI card (a virtio network card).</summary>
    public static DeviceTreeNode PciCard(DrcIndex connector) =>
        new DeviceTreeNode(string.Create(CultureInfo.InvariantCulture, $"ethernet@{(connector.Id & 0xFF) >> 3:x}"))
            .Add(DeviceTreeProperty.FromCells("vendor-id", 0x1AF4))
            .Add(DeviceTreeProperty.FromCells("device-id", 0x1000))
            .Add(DeviceTreeProperty.FromCells("ibm,my-drc-index", connector.Value));

    private static string Hex(uint value) => value.ToString("x", CultureInfo.InvariantCulture);
}
