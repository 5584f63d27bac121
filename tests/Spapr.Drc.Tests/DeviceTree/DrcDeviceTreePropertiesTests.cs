using Spapr.Drc.Tests.Support;
using static Spapr.Drc.Tests.Events.ByteText;

namespace Spapr.Drc.Tests.DeviceTree;

/// <summary>
/// SPEC section 8: the four ibm,drc-* arrays, expected bytes written by hand. The machine: CPUs 0 and 8, LMBs 16-23,
/// PHB 1, and PCI slots 1, 2 and 3 of that PHB (PCI id = phb &lt;&lt; 16 | devfn: 0x10008, 0x10010, 0x10018).
/// </summary>
public sealed class DrcDeviceTreePropertiesTests
{
    private const DrcTypeMask CpuMask = DrcTypeMask.Cpu;
    private const DrcTypeMask PhbMask = DrcTypeMask.Phb;
    private const DrcTypeMask PciMask = DrcTypeMask.Pci;
    private const DrcTypeMask LmbMask = DrcTypeMask.Lmb;
    private const DrcTypeMask AllTypes = DrcTypeMask.All;
    private static readonly DrcIndex Phb1 = new(0x2000_0001);

    [Fact]
    public void GetDeviceTreeProperties_WholeMachine_IndexesByteExactInIndexOrder()
    {
        using var machine = Populated();
        var registry = machine.Registry;

        registry.GetDeviceTreeProperties(AllTypes).Indexes.ToArray().Should().Equal(Hex("""
            0000000E
            10000000 10000008 20000001 40010008 40010010 40010018
            80000010 80000011 80000012 80000013 80000014 80000015 80000016 80000017
            """));
    }

    [Fact]
    public void GetDeviceTreeProperties_WholeMachine_PowerDomainsAreLiveInsertionForEach()
    {
        using var machine = Populated();
        var registry = machine.Registry;

        registry.GetDeviceTreeProperties(AllTypes).PowerDomains.ToArray().Should().Equal(Hex("""
            0000000E
            FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF
            FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF
            """));
    }

    [Fact]
    public void GetDeviceTreeProperties_WholeMachine_NamesByteExactInIndexOrder()
    {
        using var machine = Populated();
        var registry = machine.Registry;

        registry.GetDeviceTreeProperties(AllTypes).Names.ToArray().Should().Equal(Concat(
            Hex("0000000E"),
            Ascii("CPU 0\0CPU 8\0PHB 1\0C65544\0C65552\0C65560\0"),
            Ascii("LMB 16\0LMB 17\0LMB 18\0LMB 19\0LMB 20\0LMB 21\0LMB 22\0LMB 23\0")));
    }

    [Fact]
    public void GetDeviceTreeProperties_WholeMachine_TypesByteExactInIndexOrder()
    {
        using var machine = Populated();
        var registry = machine.Registry;

        registry.GetDeviceTreeProperties(AllTypes).Types.ToArray().Should().Equal(Concat(
            Hex("0000000E"),
            Ascii("CPU\0CPU\0PHB\0"),
            Ascii("28\0"), Ascii("28\0"), Ascii("28\0"),
            Ascii("MEM\0MEM\0MEM\0MEM\0MEM\0MEM\0MEM\0MEM\0")));
    }

    [Fact]
    public void GetDeviceTreeProperties_CpuMask_ListsOnlyCpus()
    {
        using var machine = Populated();
        var registry = machine.Registry;

        var properties = registry.GetDeviceTreeProperties(CpuMask);

        properties.Indexes.ToArray().Should().Equal(Hex("00000002 10000000 10000008"));
        properties.PowerDomains.ToArray().Should().Equal(Hex("00000002 FFFFFFFF FFFFFFFF"));
        properties.Names.ToArray().Should().Equal(Concat(Hex("00000002"), Ascii("CPU 0\0CPU 8\0")));
        properties.Types.ToArray().Should().Equal(Concat(Hex("00000002"), Ascii("CPU\0CPU\0")));
    }

    [Fact]
    public void GetDeviceTreeProperties_LmbMask_ListsTheEightLmbs()
    {
        using var machine = Populated();
        var registry = machine.Registry;

        registry.GetDeviceTreeProperties(LmbMask).Indexes.ToArray().Should().Equal(Hex("""
            00000008 80000010 80000011 80000012 80000013 80000014 80000015 80000016 80000017
            """));
    }

    [Fact]
    public void GetDeviceTreeProperties_PciMaskOwnedByPhb_ListsOnlyThatPhbsSlots()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        registry.CreateConnector(DrcType.Phb, 2);
        registry.CreateConnector(DrcType.Pci, 0x2_0008, new DrcIndex(0x2000_0002));
        registry.CreateConnector(DrcType.Pci, 0x20);

        var properties = registry.GetDeviceTreeProperties(PciMask, Phb1);

        properties.Indexes.ToArray().Should().Equal(Hex("00000003 40010008 40010010 40010018"));
        properties.Names.ToArray().Should().Equal(Concat(Hex("00000003"), Ascii("C65544\0C65552\0C65560\0")));
        properties.Types.ToArray().Should().Equal(Concat(Hex("00000003"), Ascii("28\0"), Ascii("28\0"), Ascii("28\0")));
    }

    [Fact]
    public void GetDeviceTreeProperties_PciMaskWithoutOwner_ListsEverySlot()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        registry.CreateConnector(DrcType.Phb, 2);
        registry.CreateConnector(DrcType.Pci, 0x2_0008, new DrcIndex(0x2000_0002));

        registry.GetDeviceTreeProperties(PciMask).Indexes.ToArray().Should().Equal(Hex("00000004 40010008 40010010 40010018 40020008"));
    }

    [Fact]
    public void GetDeviceTreeProperties_OwnerWithoutConnectors_GivesFourEmptyArrays()
    {
        using var machine = Populated();
        var registry = machine.Registry;

        var properties = registry.GetDeviceTreeProperties(AllTypes, new DrcIndex(0x1000_0000));

        properties.Indexes.ToArray().Should().Equal(Hex("00000000"));
        properties.PowerDomains.ToArray().Should().Equal(Hex("00000000"));
        properties.Names.ToArray().Should().Equal(Hex("00000000"));
        properties.Types.ToArray().Should().Equal(Hex("00000000"));
    }

    [Fact]
    public void GetDeviceTreeProperties_ConnectorsCreatedOutOfOrder_AreListedByIndex()
    {
        using var machine = new Machine();
        var registry = machine.Registry;
        registry.CreateConnector(DrcType.Lmb, 17);
        registry.CreateConnector(DrcType.Cpu, 8);
        registry.CreateConnector(DrcType.Lmb, 16);
        registry.CreateConnector(DrcType.Cpu, 0);

        registry.GetDeviceTreeProperties(CpuMask | LmbMask).Indexes.ToArray().Should().Equal(Hex("00000004 10000000 10000008 80000010 80000011"));
    }

    [Fact]
    public void GetDeviceTreeProperties_PhbReleased_ItsSlotsLeaveTheProperties()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        registry.Attach(Phb1, new object(), null, PlugMode.Hot);

        registry.RequestUnplug(Phb1).Status.Should().Be(UnplugRequestStatus.CompletedImmediately);

        registry.GetDeviceTreeProperties(PciMask, Phb1).Indexes.ToArray().Should().Equal(Hex("00000000"));
        registry.GetDeviceTreeProperties(PhbMask).Indexes.ToArray().Should().Equal(Hex("00000001 20000001"));
    }

    [Fact]
    public void GetDrcInfo_LmbsWithAGap_GivesTwoRecordsByteExact()
    {
        using var machine = new Machine();
        var registry = machine.Registry;
        registry.CreateConnectors(DrcType.Lmb, 16, 4);
        registry.CreateConnectors(DrcType.Lmb, 24, 2);

        registry.GetDrcInfo(LmbMask).Should().Equal(Concat(
            Hex("00000002"),
            Ascii("MEM\0LMB \0"), Hex("80000010 00000010 00000004 00000001 FFFFFFFF"),
            Ascii("MEM\0LMB \0"), Hex("80000018 00000018 00000002 00000001 FFFFFFFF")));
    }

    [Fact]
    public void GetDrcInfo_WholeMachine_GroupsOnlySequentialIndexesOfOneType()
    {
        using var machine = Populated();
        var registry = machine.Registry;

        registry.GetDrcInfo(AllTypes).Should().Equal(Concat(
            Hex("00000007"),
            Ascii("CPU\0CPU \0"), Hex("10000000 00000000 00000001 00000001 FFFFFFFF"),
            Ascii("CPU\0CPU \0"), Hex("10000008 00000008 00000001 00000001 FFFFFFFF"),
            Ascii("PHB\0PHB \0"), Hex("20000001 00000001 00000001 00000001 FFFFFFFF"),
            Ascii("28\0C\0"), Hex("40010008 00010008 00000001 00000001 FFFFFFFF"),
            Ascii("28\0C\0"), Hex("40010010 00010010 00000001 00000001 FFFFFFFF"),
            Ascii("28\0C\0"), Hex("40010018 00010018 00000001 00000001 FFFFFFFF"),
            Ascii("MEM\0LMB \0"), Hex("80000010 00000010 00000008 00000001 FFFFFFFF")));
    }

    [Fact]
    public void GetDrcInfo_PciSlotsOfOnePhbSequential_GivesOneRecordOwnedByThatPhb()
    {
        using var machine = new Machine();
        var registry = machine.Registry;
        registry.CreateConnector(DrcType.Phb, 1);
        registry.CreateConnectors(DrcType.Pci, 0x1_0000, 8, Phb1);
        registry.CreateConnector(DrcType.Pci, 0x1_0008);

        registry.GetDrcInfo(PciMask, Phb1).Should().Equal(Concat(
            Hex("00000001"),
            Ascii("28\0C\0"), Hex("40010000 00010000 00000008 00000001 FFFFFFFF")));
    }

    private static Machine Populated()
    {
        var machine = new Machine();
        var registry = machine.Registry;
        registry.CreateConnector(DrcType.Cpu, 0);
        registry.CreateConnector(DrcType.Cpu, 8);
        registry.CreateConnectors(DrcType.Lmb, 16, 8);
        registry.CreateConnector(DrcType.Phb, 1);
        foreach (uint devfn in new uint[] { 0x08, 0x10, 0x18 })
        {
            registry.CreateConnector(DrcType.Pci, (1u << 16) | devfn, Phb1);
        }

        return machine;
    }
}
