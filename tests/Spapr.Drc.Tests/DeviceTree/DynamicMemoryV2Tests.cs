using System.Buffers.Binary;
using static Spapr.Drc.Tests.Events.ByteText;

namespace Spapr.Drc.Tests.DeviceTree;

/// <summary>
/// <c>ibm,dynamic-memory-v2</c> as QEMU 7.2's spapr_dt_dynamic_memory_v2 lays it out, expected bytes written by hand:
/// u32 set count, then 24-byte sets {u32 LMB count, u64 base address, u32 first DRC index, u32 associativity index,
/// u32 flags}. Flags: assigned 0x08, DRC invalid 0x20, reserved 0x80, hot-removable 0x100. The machine: device memory
/// from 2 GiB, LMBs 8 to 31 of 256 MiB.
/// </summary>
public sealed class DynamicMemoryV2Tests
{
    private const string V2 = "ibm,dynamic-memory-v2";
    private const string BootSet = "00000008 0000000000000000 00000000 FFFFFFFF 000000A0";

    [Fact]
    public void Build_NoDevice_BootSetThenOneFreeSetOfEveryLmb()
    {
        using var machine = new QemuMemoryMachine();

        machine.Property(V2).Should().Equal(Hex($"""
            00000002
            {BootSet}
            00000018 0000000080000000 80000008 FFFFFFFF 00000000
            """));
    }

    [Fact]
    public void Build_SetLayout_CountU32BaseU64IndexAssociativityFlagsU32()
    {
        using var machine = new QemuMemoryMachine();
        machine.Plug("dimm", 10, 3, PlugMode.Cold, node: 0);

        var set = machine.Property(V2).AsSpan(4 + 24 + 24, 24);

        BinaryPrimitives.ReadUInt32BigEndian(set).Should().Be(3);
        BinaryPrimitives.ReadUInt64BigEndian(set[4..]).Should().Be(0xA000_0000);
        BinaryPrimitives.ReadUInt32BigEndian(set[12..]).Should().Be(0x8000_000A);
        BinaryPrimitives.ReadUInt32BigEndian(set[16..]).Should().Be(0);
        BinaryPrimitives.ReadUInt32BigEndian(set[20..]).Should().Be(0x108);
    }

    [Fact]
    public void Build_ColdDimmInTheMiddle_FreeSetDimmSetFreeSet()
    {
        using var machine = new QemuMemoryMachine();
        machine.Plug("dimm", 10, 4, PlugMode.Cold);

        machine.Property(V2).Should().Equal(Hex($"""
            00000004
            {BootSet}
            00000002 0000000080000000 80000008 FFFFFFFF 00000000
            00000004 00000000A0000000 8000000A 00000000 00000108
            00000012 00000000E0000000 8000000E FFFFFFFF 00000000
            """));
    }

    [Fact]
    public void Build_DimmOnNodeOne_AssociativityIndexIsTheNode()
    {
        using var machine = new QemuMemoryMachine();
        machine.Options = new DynamicMemoryOptions(QemuMemoryMachine.DeviceMemoryBase) { NumaNodeCount = 2, NumaNodeOf = d => ((QemuMemoryMachine.Dimm)d).Node };
        machine.Plug("dimm", 8, 2, PlugMode.Cold, node: 1);

        BinaryPrimitives.ReadUInt32BigEndian(machine.Property(V2).AsSpan(4 + 24 + 16)).Should().Be(1);
    }

    [Fact]
    public void Build_TwoAdjacentDimmsOnOneNode_OneSetPerDimm()
    {
        using var machine = new QemuMemoryMachine();
        machine.Plug("dimm0", 8, 2, PlugMode.Cold);
        machine.Plug("dimm1", 10, 2, PlugMode.Cold);

        machine.Property(V2).Should().Equal(Hex($"""
            00000004
            {BootSet}
            00000002 0000000080000000 80000008 00000000 00000108
            00000002 00000000A0000000 8000000A 00000000 00000108
            00000014 00000000C0000000 8000000C FFFFFFFF 00000000
            """));
    }

    [Fact]
    public void Build_DimmFillsTheWholeRegion_NoFreeSet()
    {
        using var machine = new QemuMemoryMachine();
        machine.Plug("dimm", 8, 24, PlugMode.Cold);

        machine.Property(V2).Should().Equal(Hex($"""
            00000002
            {BootSet}
            00000018 0000000080000000 80000008 00000000 00000108
            """));
    }

    [Fact]
    public void Build_GuestReleasedPartOfADimm_ReleasedLmbsAreFree()
    {
        // Beyond QEMU: QEMU lists the whole DIMM until its removal ends; an LMB is assigned here while it holds its device.
        using var machine = new QemuMemoryMachine();
        var dimm = machine.Plug("dimm", 8, 3, PlugMode.Hot);
        machine.GuestAdd(dimm);

        machine.UnplugAndRelease(dimm, lmbs: 1);

        dimm.IsAttached.Should().BeTrue();
        machine.Property(V2).Should().Equal(Hex($"""
            00000004
            {BootSet}
            00000001 0000000080000000 80000008 FFFFFFFF 00000000
            00000002 0000000090000000 80000009 00000000 00000108
            00000015 00000000B0000000 8000000B FFFFFFFF 00000000
            """));
    }

    [Fact]
    public void Build_PendingUnplugNotYetReleased_StillAssigned()
    {
        using var machine = new QemuMemoryMachine();
        var dimm = machine.Plug("dimm", 8, 2, PlugMode.Hot);
        machine.GuestAdd(dimm);

        machine.UnplugAndRelease(dimm, lmbs: 0);

        BinaryPrimitives.ReadUInt32BigEndian(machine.Property(V2).AsSpan(4 + 24 + 20)).Should().Be(0x108);
    }

    [Fact]
    public void Build_GapInLmbIds_StartsANewSetAfterIt()
    {
        // v2 sets are runs: the set's DRC index and address both step by one LMB, so a missing connector ends a run.
        using var machine = new QemuMemoryMachine();
        machine.Registry.CreateConnectors(DrcType.Lmb, 40, 2);

        machine.Property(V2).Should().Equal(Hex($"""
            00000003
            {BootSet}
            00000018 0000000080000000 80000008 FFFFFFFF 00000000
            00000002 0000000280000000 80000028 FFFFFFFF 00000000
            """));
    }

    [Fact]
    public void Build_NoBootMemoryBelowTheLmbs_NoReservedSet()
    {
        using var bare = new Support.Machine();
        bare.Registry.CreateConnectors(DrcType.Lmb, 0, 2);

        var node = DynamicReconfigurationMemory.Build(bare.Registry, new DynamicMemoryOptions(0));

        node.Properties.Single(p => p.Name == V2).Value.ToArray().Should().Equal(Hex("""
            00000001
            00000002 0000000000000000 80000000 FFFFFFFF 00000000
            """));
    }

    [Fact]
    public void Build_LargerLmbSize_AddressesAndBootCountFollowIt()
    {
        using var bare = new Support.Machine();
        bare.Registry.CreateConnectors(DrcType.Lmb, 2, 2);

        var node = DynamicReconfigurationMemory.Build(bare.Registry, new DynamicMemoryOptions(0x8000_0000) { LmbSize = 0x4000_0000 });

        node.Properties.Single(p => p.Name == V2).Value.ToArray().Should().Equal(Hex("""
            00000002
            00000002 0000000000000000 00000000 FFFFFFFF 000000A0
            00000002 0000000080000000 80000002 FFFFFFFF 00000000
            """));
    }
}
