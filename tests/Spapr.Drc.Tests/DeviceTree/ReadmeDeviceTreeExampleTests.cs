using static Spapr.Drc.Tests.Events.ByteText;

namespace Spapr.Drc.Tests.DeviceTree;

/// <summary>The device-tree example meant for the README, run as written (the README copy can be kept true by ReadmeTests).</summary>
public sealed class ReadmeDeviceTreeExampleTests
{
    [Fact]
    public void ReadmeExample_DimmOnNodeOne_NodeAndFragmentAsQemuBuildsThem()
    {
        // --- README "Device tree" example: begin ---
        using var registry = new DrcRegistry();
        registry.CreateConnectors(DrcType.Lmb, firstId: 8, count: 24); // 6 GiB of hot-pluggable memory from 2 GiB
        var memory = new DynamicMemoryOptions(deviceMemoryBase: 0x8000_0000)
        {
            NumaNodeCount = 2,
            NumaNodeOf = device => ((Dimm)device).Node,
        };

        var dimm = new Dimm("dimm1", Node: 1);
        registry.AttachMemoryDevice(DrcIndex.From(DrcType.Lmb, 8), lmbCount: 2, dimm,
            lmb => DynamicReconfigurationMemory.LmbFragment(memory, lmb, dimm.Node), PlugMode.Hot);

        // At client-architecture-support: a child of the root of the device tree the guest gets.
        DeviceTreeNode node = DynamicReconfigurationMemory.Build(registry, memory);
        // --- README "Device tree" example: end ---

        node.Properties.Single(p => p.Name == "ibm,dynamic-memory-v2").Value.ToArray().Should().Equal(Hex("""
            00000003
            00000008 0000000000000000 00000000 FFFFFFFF 000000A0
            00000002 0000000080000000 80000008 00000001 00000108
            00000016 00000000A0000000 8000000A FFFFFFFF 00000000
            """));
        registry[DrcIndex.From(DrcType.Lmb, 9)].Fragment!.Name.Should().Be("memory@90000000");
    }

    private sealed record Dimm(string Name, uint Node);
}
