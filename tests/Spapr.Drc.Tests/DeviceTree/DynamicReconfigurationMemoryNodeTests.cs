using Spapr.Drc.Tests.Support;
using static Spapr.Drc.Tests.Events.ByteText;

namespace Spapr.Drc.Tests.DeviceTree;

/// <summary>
/// The node around the dynamic-memory property, as QEMU 7.2's spapr_dt_dynamic_reconfiguration_memory and
/// spapr_numa_write_assoc_lookup_arrays build it: its name, its properties in QEMU's blob order, the fixed values,
/// the lookup arrays of both affinity forms, and the options' checks.
/// </summary>
public sealed class DynamicReconfigurationMemoryNodeTests
{
    [Fact]
    public void Build_Name_IsQemusNodeName()
    {
        using var machine = new QemuMemoryMachine();

        machine.Build().Name.Should().Be("ibm,dynamic-reconfiguration-memory").And.Be(DynamicReconfigurationMemory.NodeName);
    }

    [Fact]
    public void Build_Properties_InQemusBlobOrderWithoutChildren()
    {
        // libfdt inserts each new property ahead of the others, so the blob lists QEMU's calls in reverse.
        using var machine = new QemuMemoryMachine();

        var node = machine.Build();

        node.Properties.Select(p => p.Name).Should().Equal(
            "ibm,associativity-lookup-arrays",
            "ibm,dynamic-memory-v2",
            "ibm,memory-preservation-time",
            "ibm,memory-flags-mask",
            "ibm,lmb-size");
        node.Children.Should().BeEmpty();
    }

    [Fact]
    public void Build_LmbSize_U64BigEndian()
    {
        using var machine = new QemuMemoryMachine();

        machine.Property("ibm,lmb-size").Should().Equal(Hex("00000000 10000000"));
    }

    [Fact]
    public void Build_LargeLmbSize_HighCellUsed()
    {
        using var machine = new QemuMemoryMachine(new DynamicMemoryOptions(0x8_0000_0000) { LmbSize = 0x8_0000_0000 });

        machine.Property("ibm,lmb-size").Should().Equal(Hex("00000008 00000000"));
    }

    [Fact]
    public void Build_MemoryFlagsMask_LowByte()
    {
        using var machine = new QemuMemoryMachine();

        machine.Property("ibm,memory-flags-mask").Should().Equal(Hex("000000FF"));
    }

    [Fact]
    public void Build_MemoryPreservationTime_Zero()
    {
        using var machine = new QemuMemoryMachine();

        machine.Property("ibm,memory-preservation-time").Should().Equal(Hex("00000000"));
    }

    [Fact]
    public void Build_Form2LookupArrays_OneCellPerNodeHoldingTheNode()
    {
        using var machine = new QemuMemoryMachine(new DynamicMemoryOptions(QemuMemoryMachine.DeviceMemoryBase) { NumaNodeCount = 3 });

        machine.Property("ibm,associativity-lookup-arrays").Should().Equal(Hex("""
            00000003 00000001
            00000000
            00000001
            00000002
            """));
    }

    [Fact]
    public void Build_Form1LookupArrays_FourDomainsPerNodeWithTheNodeLast()
    {
        using var machine = new QemuMemoryMachine(new DynamicMemoryOptions(QemuMemoryMachine.DeviceMemoryBase) { NumaNodeCount = 2, Form2Affinity = false });

        machine.Property("ibm,associativity-lookup-arrays").Should().Equal(Hex("""
            00000002 00000004
            00000000 00000000 00000000 00000000
            00000000 00000000 00000000 00000001
            """));
    }

    [Fact]
    public void Build_OtherConnectorTypes_Ignored()
    {
        using var machine = new QemuMemoryMachine();
        var withOthers = machine.Property("ibm,dynamic-memory-v2");
        machine.Registry.CreateConnectors(DrcType.Phb, 0, 2);
        machine.Registry.CreateConnector(DrcType.Pci, 8, DrcIndex.From(DrcType.Phb, 1));

        machine.Property("ibm,dynamic-memory-v2").Should().Equal(withOthers);
    }

    [Fact]
    public void Build_NumaNodeOf_CalledOncePerDeviceWithTheEmulatorsObject()
    {
        var seen = new List<object>();
        using var machine = new QemuMemoryMachine();
        machine.Options = new DynamicMemoryOptions(QemuMemoryMachine.DeviceMemoryBase)
        {
            NumaNodeOf = d =>
            {
                seen.Add(d);
                return 0;
            },
        };
        var dimm = machine.Plug("dimm", 8, 4, PlugMode.Cold);

        machine.Build();

        seen.Should().Equal(dimm.Device);
    }

    [Fact]
    public void Build_NumaNodeOfBeyondTheNodeCount_Throws()
    {
        using var machine = new QemuMemoryMachine();
        machine.Options = new DynamicMemoryOptions(QemuMemoryMachine.DeviceMemoryBase) { NumaNodeOf = _ => 1 };
        machine.Plug("dimm", 8, 1, PlugMode.Cold);

        var build = () => machine.Build();

        build.Should().Throw<InvalidOperationException>().WithMessage("*node 1*1 NUMA node*");
    }

    [Fact]
    public void Build_DeviceMemoryBaseNotAMultipleOfTheLmbSize_Throws()
    {
        using var machine = new QemuMemoryMachine(new DynamicMemoryOptions(0x8800_0000));

        var build = () => machine.Build();

        build.Should().Throw<ArgumentException>().WithMessage("*0x88000000*not a multiple*").Which.ParamName.Should().Be("options");
    }

    [Fact]
    public void Build_LmbConnectorBelowTheDeviceMemoryBase_Throws()
    {
        using var machine = new QemuMemoryMachine(new DynamicMemoryOptions(0x1_0000_0000));

        var build = () => machine.Build();

        build.Should().Throw<ArgumentException>().WithMessage("*0x80000008*below the device memory base*");
    }

    [Fact]
    public void Build_DisposedRegistry_Throws()
    {
        var machine = new QemuMemoryMachine();
        machine.Dispose();

        var build = () => machine.Build();

        build.Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void Build_NullArguments_Throw()
    {
        using var machine = new Machine();

        FluentActions.Invoking(() => DynamicReconfigurationMemory.Build(null!, new DynamicMemoryOptions(0))).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => DynamicReconfigurationMemory.Build(machine.Registry, null!)).Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void DynamicMemoryOptions_Defaults_QemusLmbOneNodeAndWhatLinux61Negotiates()
    {
        var options = new DynamicMemoryOptions(0x8000_0000);

        (options.DeviceMemoryBase, options.LmbSize, options.NumaNodeCount, options.NumaNodeOf, options.DynamicMemoryV2, options.Form2Affinity)
            .Should().Be((0x8000_0000UL, 0x1000_0000UL, 1, (Func<object, uint>?)null, true, true));
        DynamicMemoryOptions.DefaultLmbSize.Should().Be(256UL << 20);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(0x800UL)]
    [InlineData(0x1800_0000UL)]
    [InlineData(1UL << 37)]
    public void DynamicMemoryOptions_LmbSizeNotAPowerOfTwoFrom4KiBTo64GiB_Throws(ulong size)
    {
        var make = () => new DynamicMemoryOptions(0) { LmbSize = size };

        make.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void DynamicMemoryOptions_NoNumaNode_Throws()
    {
        var make = () => new DynamicMemoryOptions(0) { NumaNodeCount = 0 };

        make.Should().Throw<ArgumentOutOfRangeException>();
    }
}
