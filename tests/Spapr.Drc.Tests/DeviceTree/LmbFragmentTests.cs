using System.Buffers.Binary;
using System.Text;
using Spapr.Drc.Tests.Support;
using static Spapr.Drc.Tests.Events.ByteText;

namespace Spapr.Drc.Tests.DeviceTree;

/// <summary>
/// The <c>memory@</c> node an LMB hands out through configure-connector, as QEMU 7.2's spapr_lmb_dt_populate and
/// spapr_dt_memory_node build it: properties in blob order ibm,associativity, reg (u64 address, u64 size),
/// device_type "memory"; no children. Beyond QEMU: the real address (QEMU computes it from the whole DRC index).
/// </summary>
public sealed class LmbFragmentTests
{
    private static readonly DynamicMemoryOptions Form2 = new(0x8000_0000) { NumaNodeCount = 2 };
    private static readonly DynamicMemoryOptions Form1 = new(0x8000_0000) { NumaNodeCount = 2, Form2Affinity = false };
    private static readonly DrcIndex Lmb8 = DrcIndex.From(DrcType.Lmb, 8);

    [Fact]
    public void LmbFragment_Name_MemoryAtTheLmbsAddressInLowercaseHex()
    {
        DynamicReconfigurationMemory.LmbFragment(Form2, DrcIndex.From(DrcType.Lmb, 0x1A), 0).Name.Should().Be("memory@1a0000000");
    }

    [Fact]
    public void LmbFragment_Properties_ThreeInQemusBlobOrderAndNoChildren()
    {
        var node = DynamicReconfigurationMemory.LmbFragment(Form2, Lmb8, 0);

        node.Properties.Select(p => p.Name).Should().Equal("ibm,associativity", "reg", "device_type");
        node.Children.Should().BeEmpty();
    }

    [Fact]
    public void LmbFragment_Reg_U64AddressThenU64LmbSize()
    {
        var node = DynamicReconfigurationMemory.LmbFragment(Form2, Lmb8, 0);

        node.Properties[1].Value.ToArray().Should().Equal(Hex("00000000 80000000 | 00000000 10000000"));
    }

    [Fact]
    public void LmbFragment_DeviceType_MemoryNulTerminated()
    {
        var node = DynamicReconfigurationMemory.LmbFragment(Form2, Lmb8, 0);

        node.Properties[2].Value.ToArray().Should().Equal(Ascii("memory\0"));
    }

    [Fact]
    public void LmbFragment_Form2_AssociativityIsLengthOneThenTheNode()
    {
        var node = DynamicReconfigurationMemory.LmbFragment(Form2, Lmb8, 1);

        node.Properties[0].Value.ToArray().Should().Equal(Hex("00000001 00000001"));
    }

    [Fact]
    public void LmbFragment_Form1_AssociativityIsLengthFourThenThreeZeroDomainsAndTheNode()
    {
        var node = DynamicReconfigurationMemory.LmbFragment(Form1, Lmb8, 1);

        node.Properties[0].Value.ToArray().Should().Equal(Hex("00000004 00000000 00000000 00000000 00000001"));
    }

    [Fact]
    public void LmbFragment_NotAnLmbIndex_Throws()
    {
        var make = () => DynamicReconfigurationMemory.LmbFragment(Form2, DrcIndex.From(DrcType.Cpu, 8), 0);

        make.Should().Throw<ArgumentException>().WithParameterName("lmb");
    }

    [Fact]
    public void LmbFragment_NodeBeyondTheNodeCount_Throws()
    {
        var make = () => DynamicReconfigurationMemory.LmbFragment(Form2, Lmb8, 2);

        make.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("numaNode");
    }

    [Fact]
    public void LmbFragment_NullOptions_Throws()
    {
        var make = () => DynamicReconfigurationMemory.LmbFragment(null!, Lmb8, 0);

        make.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void LmbFragment_WalkedByConfigureConnector_WorkAreaHoldsQemusNamesAndValues()
    {
        using var machine = new Machine();
        machine.Registry.CreateConnectors(DrcType.Lmb, 8, 2);
        machine.Registry.AttachMemoryDevice(Lmb8, 2, "dimm", lmb => DynamicReconfigurationMemory.LmbFragment(Form2, lmb, 1), PlugMode.Hot);
        machine.Usable(Lmb8);
        machine.Unisolate(Lmb8);
        var workArea = new byte[DrcRtas.WorkAreaSize];
        var seen = new List<string>();

        ConfigureConnectorStatus status;
        while ((status = machine.ConfigureStep(Lmb8.Value, workArea)) is ConfigureConnectorStatus.NextChild or ConfigureConnectorStatus.NextProperty)
        {
            string name = CString(workArea, (int)Cell(workArea, 2));
            seen.Add(status == ConfigureConnectorStatus.NextChild
                ? name
                : $"{name}={Convert.ToHexString(workArea.AsSpan((int)Cell(workArea, 4), (int)Cell(workArea, 3)))}");
        }

        status.Should().Be(ConfigureConnectorStatus.Success);
        seen.Should().Equal(
            "memory@80000000",
            "ibm,associativity=0000000100000001",
            "reg=00000000800000000000000010000000",
            "device_type=6D656D6F727900");
    }

    private static uint Cell(byte[] workArea, int cell) => BinaryPrimitives.ReadUInt32BigEndian(workArea.AsSpan(cell * 4));

    private static string CString(byte[] workArea, int offset) =>
        Encoding.ASCII.GetString(workArea, offset, Array.IndexOf(workArea, (byte)0, offset) - offset);
}
