using static Spapr.Drc.Tests.Events.ByteText;

namespace Spapr.Drc.Tests.DeviceTree;

/// <summary>
/// <c>ibm,dynamic-memory</c> (v1) for a guest that did not negotiate v2, as QEMU 7.2's spapr_dt_dynamic_memory lays it
/// out: u32 entry count, then one 24-byte entry per LMB {u64 address, u32 DRC index, u32 reserved 0, u32
/// associativity index, u32 flags}: every boot LMB reserved with no connector (0xA0), then every LMB connector,
/// assigned (0x08, v1 has no hot-removable flag) while it holds its device. The machine: 1 GiB of boot memory
/// (4 LMBs of 256 MiB), LMBs 4 to 6, two NUMA nodes.
/// </summary>
public sealed class DynamicMemoryV1Tests
{
    private static readonly DynamicMemoryOptions V1Options = new(0x4000_0000)
    {
        DynamicMemoryV2 = false,
        NumaNodeCount = 2,
        NumaNodeOf = d => ((QemuMemoryMachine.Dimm)d).Node,
    };

    [Fact]
    public void Build_GuestWithoutV2_OneEntryPerLmbBootReservedThenConnectors()
    {
        using var machine = new Support.Machine();
        machine.Registry.CreateConnectors(DrcType.Lmb, 4, 3);
        machine.Registry.AttachMemoryDevice(DrcIndex.From(DrcType.Lmb, 5), 1, new QemuMemoryMachine.Dimm("dimm", 1), null, PlugMode.Cold);

        var node = DynamicReconfigurationMemory.Build(machine.Registry, V1Options);

        node.Properties.Single(p => p.Name == "ibm,dynamic-memory").Value.ToArray().Should().Equal(Hex("""
            00000007
            00000000 00000000 00000000 00000000 FFFFFFFF 000000A0
            00000000 10000000 00000000 00000000 FFFFFFFF 000000A0
            00000000 20000000 00000000 00000000 FFFFFFFF 000000A0
            00000000 30000000 00000000 00000000 FFFFFFFF 000000A0
            00000000 40000000 80000004 00000000 FFFFFFFF 00000000
            00000000 50000000 80000005 00000000 00000001 00000008
            00000000 60000000 80000006 00000000 FFFFFFFF 00000000
            """));
    }

    [Fact]
    public void Build_GuestWithoutV2_NoV2Property()
    {
        using var machine = new Support.Machine();
        machine.Registry.CreateConnectors(DrcType.Lmb, 4, 3);

        var names = DynamicReconfigurationMemory.Build(machine.Registry, V1Options).Properties.Select(p => p.Name);

        names.Should().Equal(
            "ibm,associativity-lookup-arrays",
            "ibm,dynamic-memory",
            "ibm,memory-preservation-time",
            "ibm,memory-flags-mask",
            "ibm,lmb-size");
    }

    [Fact]
    public void Build_GuestWithoutV2_EntryAddressIsTwoCellsHighFirst()
    {
        using var machine = new Support.Machine();
        machine.Registry.CreateConnector(DrcType.Lmb, 0x11);

        var node = DynamicReconfigurationMemory.Build(machine.Registry, new DynamicMemoryOptions(0x1_0000_0000) { DynamicMemoryV2 = false });
        var value = node.Properties.Single(p => p.Name == "ibm,dynamic-memory").Value.ToArray();

        value.Length.Should().Be(4 + (17 * 24));
        value.AsSpan(4 + (16 * 24), 24).ToArray().Should().Equal(Hex("00000001 10000000 80000011 00000000 FFFFFFFF 00000000"));
    }
}
