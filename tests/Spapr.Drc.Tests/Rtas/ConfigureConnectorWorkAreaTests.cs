using System.Buffers.Binary;
using System.Text;
using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Rtas;

/// <summary>SPEC section 4: what configure-connector writes into the guest's work area, byte for byte.</summary>
public sealed class ConfigureConnectorWorkAreaTests
{
    private static readonly ConfigureConnectorStatus[] WithChildSequence =
    [
        ConfigureConnectorStatus.NextChild, ConfigureConnectorStatus.NextProperty, ConfigureConnectorStatus.NextProperty,
        ConfigureConnectorStatus.NextChild, ConfigureConnectorStatus.NextProperty, ConfigureConnectorStatus.PreviousParent,
        ConfigureConnectorStatus.Success,
    ];

    [Fact]
    public void ConfigureConnector_FragmentWithChild_ReturnsTwoThreesTwoThreeFourZero()
    {
        using var machine = new Machine();
        var drc = machine.Create(DrcType.Cpu, 8);
        Replug(machine, drc);

        machine.ConfigureAll(drc).Should().Equal(WithChildSequence);

        drc.State.Should().Be(DrcState.LogicalConfigured);
    }

    [Fact]
    public void ConfigureConnector_FragmentWithChild_WritesExactWorkAreaBytes()
    {
        using var machine = new Machine();
        var drc = machine.Create(DrcType.Cpu, 8);
        machine.HotPlug(drc, Fragments.WithChild());
        machine.Usable(drc);
        machine.Unisolate(drc);
        uint index = drc.Index.Value;

        Step(machine, index).Should().Equal(Expected(index, Node("cpu@8")));
        Step(machine, index).Should().Equal(Expected(index, Property("reg", [0x11, 0x22, 0x33, 0x44])));
        Step(machine, index).Should().Equal(Expected(index, Property("device_type", "cpu\0"u8.ToArray())));
        Step(machine, index).Should().Equal(Expected(index, Node("l2-cache@0")));
        Step(machine, index).Should().Equal(Expected(index, Property("cache-size", [0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40])));
        Step(machine, index).Should().Equal(Expected(index));
        Step(machine, index).Should().Equal(Expected(index));
    }

    [Fact]
    public void ConfigureConnector_Property_HeaderCellsAreBigEndianOffsetsAndLength()
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Pci, 8, DrcState.PhysicalUnisolate);
        var wa = new byte[DrcRtas.WorkAreaSize];
        machine.ConfigureStep(drc.Index.Value, wa);

        machine.ConfigureStep(drc.Index.Value, wa).Should().Be(ConfigureConnectorStatus.NextProperty);

        wa.AsSpan(8, 12).ToArray().Should().Equal(0, 0, 0, 20, 0, 0, 0, 4, 0, 0, 0, 24);
        Encoding.ASCII.GetString(wa, 20, 4).Should().Be("reg\0");
        wa.AsSpan(24, 4).ToArray().Should().Equal(0, 0, 0, 1);
    }

    [Fact]
    public void ConfigureConnector_PropertyLongerThanWorkArea_IsClippedAt4096()
    {
        using var machine = new Machine();
        var value = Enumerable.Range(0, 5000).Select(i => (byte)(i % 251)).ToArray();
        var drc = BigPropertyConnector(machine, value);
        var wa = new byte[8192];
        Array.Fill(wa, (byte)0xEE);
        machine.ConfigureStep(drc.Index.Value, wa).Should().Be(ConfigureConnectorStatus.NextChild);

        machine.ConfigureStep(drc.Index.Value, wa).Should().Be(ConfigureConnectorStatus.NextProperty);

        BinaryPrimitives.ReadUInt32BigEndian(wa.AsSpan(12)).Should().Be(5000u);
        BinaryPrimitives.ReadUInt32BigEndian(wa.AsSpan(16)).Should().Be(24u);
        wa.AsSpan(24, 4096 - 24).ToArray().Should().Equal(value.AsSpan(0, 4096 - 24).ToArray());
        wa.AsSpan(4096).ToArray().Should().OnlyContain(b => b == 0xEE);
    }

    [Fact]
    public void ConfigureConnector_PropertyLongerThanShortSpan_IsClippedAtSpanEnd()
    {
        using var machine = new Machine();
        var value = Enumerable.Range(0, 5000).Select(i => (byte)(i % 251)).ToArray();
        var drc = BigPropertyConnector(machine, value);
        var backing = new byte[128];
        Array.Fill(backing, (byte)0xEE);
        var wa = backing.AsMemory(0, 64);
        BinaryPrimitives.WriteUInt32BigEndian(wa.Span, drc.Index.Value);
        machine.Rtas.ConfigureConnector(wa.Span).Should().Be(ConfigureConnectorStatus.NextChild);

        machine.Rtas.ConfigureConnector(wa.Span).Should().Be(ConfigureConnectorStatus.NextProperty);

        BinaryPrimitives.ReadUInt32BigEndian(backing.AsSpan(12)).Should().Be(5000u);
        backing.AsSpan(24, 40).ToArray().Should().Equal(value.AsSpan(0, 40).ToArray());
        backing.AsSpan(64).ToArray().Should().OnlyContain(b => b == 0xEE);
    }

    [Fact]
    public void ConfigureConnector_NameLongerThanWorkArea_IsClippedAndDoesNotThrow()
    {
        using var machine = new Machine();
        var drc = machine.Create(DrcType.Pci, 8);
        machine.HotPlug(drc, new DeviceTreeNode(new string('n', 5000)).Add(DeviceTreeProperty.FromCells(new string('p', 5000), 7)));
        machine.Unisolate(drc);
        var wa = new byte[DrcRtas.WorkAreaSize];

        machine.ConfigureStep(drc.Index.Value, wa).Should().Be(ConfigureConnectorStatus.NextChild);
        wa[^1].Should().Be((byte)'n');
        machine.ConfigureStep(drc.Index.Value, wa).Should().Be(ConfigureConnectorStatus.NextProperty);
        BinaryPrimitives.ReadUInt32BigEndian(wa.AsSpan(16)).Should().Be(20u + 5001u);
        machine.ConfigureStep(drc.Index.Value, wa).Should().Be(ConfigureConnectorStatus.Success);
    }

    [Fact]
    public void ConfigureConnector_AfterSequenceFinished_RepeatsTheSameSequenceAndBytes()
    {
        using var machine = new Machine();
        var drc = machine.Create(DrcType.Cpu, 8);
        Replug(machine, drc);
        var first = Collect(machine, drc.Index.Value);

        var second = Collect(machine, drc.Index.Value);

        second.Select(s => s.Status).Should().Equal(WithChildSequence);
        second.Should().HaveCount(first.Count);
        for (int i = 0; i < first.Count; i++)
        {
            second[i].Bytes.Should().Equal(first[i].Bytes);
        }

        drc.State.Should().Be(DrcState.LogicalConfigured);
    }

    [Fact]
    public void ConfigureConnector_InterruptedSequence_ResumesWhereItStopped()
    {
        using var machine = new Machine();
        var drc = machine.Create(DrcType.Cpu, 8);
        Replug(machine, drc);
        var wa = new byte[DrcRtas.WorkAreaSize];
        machine.ConfigureStep(drc.Index.Value, wa);
        machine.ConfigureStep(drc.Index.Value, wa);
        machine.Isolate(drc).Should().Be(RtasStatus.ParameterError);
        machine.Sense(drc);

        machine.ConfigureStep(drc.Index.Value, wa).Should().Be(ConfigureConnectorStatus.NextProperty);

        Encoding.ASCII.GetString(wa, 20, 12).Should().Be("device_type\0");
    }

    [Theory]
    [InlineData(DrcType.Cpu)]
    [InlineData(DrcType.Pci)]
    public void ConfigureConnector_AfterIsolateAndUnisolate_StartsFromTheTop(DrcType type)
    {
        using var machine = new Machine();
        var drc = machine.Create(type, 8);
        machine.ColdPlug(drc, Fragments.WithChild());
        var wa = new byte[DrcRtas.WorkAreaSize];
        machine.ConfigureStep(drc.Index.Value, wa);
        machine.ConfigureStep(drc.Index.Value, wa);
        machine.Isolate(drc).Should().Be(RtasStatus.Success);
        machine.Unisolate(drc).Should().Be(RtasStatus.Success);

        machine.ConfigureStep(drc.Index.Value, wa).Should().Be(ConfigureConnectorStatus.NextChild);

        Encoding.ASCII.GetString(wa, 20, 6).Should().Be("cpu@8\0");
    }

    [Fact]
    public void ConfigureConnector_AfterReset_StartsFromTheTop()
    {
        using var machine = new Machine();
        var drc = machine.Create(DrcType.Cpu, 8);
        Replug(machine, drc);
        var wa = new byte[DrcRtas.WorkAreaSize];
        machine.ConfigureStep(drc.Index.Value, wa);
        machine.ConfigureStep(drc.Index.Value, wa);

        machine.Registry.Reset();

        machine.ConfigureStep(drc.Index.Value, wa).Should().Be(ConfigureConnectorStatus.NextChild);
        Encoding.ASCII.GetString(wa, 20, 6).Should().Be("cpu@8\0");
    }

    private static void Replug(Machine machine, SpaprDrc drc)
    {
        if (drc.Device is not null)
        {
            return;
        }

        machine.HotPlug(drc, Fragments.WithChild());
        machine.Usable(drc).Should().Be(RtasStatus.Success);
        machine.Unisolate(drc).Should().Be(RtasStatus.Success);
    }

    private static SpaprDrc BigPropertyConnector(Machine machine, byte[] value)
    {
        var drc = machine.Create(DrcType.Pci, 8);
        machine.HotPlug(drc, new DeviceTreeNode("big@0").Add(new DeviceTreeProperty("big", value)));
        machine.Unisolate(drc).Should().Be(RtasStatus.Success);
        return drc;
    }

    private static byte[] Step(Machine machine, uint index)
    {
        var wa = new byte[DrcRtas.WorkAreaSize];
        machine.ConfigureStep(index, wa);
        return wa;
    }

    private static List<(ConfigureConnectorStatus Status, byte[] Bytes)> Collect(Machine machine, uint index)
    {
        var list = new List<(ConfigureConnectorStatus, byte[])>();
        while (true)
        {
            var wa = new byte[DrcRtas.WorkAreaSize];
            var status = machine.ConfigureStep(index, wa);
            list.Add((status, wa));
            if (status is not (ConfigureConnectorStatus.NextChild or ConfigureConnectorStatus.NextProperty or ConfigureConnectorStatus.PreviousParent))
            {
                return list;
            }
        }
    }

    private static Action<byte[]> Node(string name) => wa =>
    {
        BinaryPrimitives.WriteUInt32BigEndian(wa.AsSpan(8), 20);
        Encoding.ASCII.GetBytes(name + "\0").CopyTo(wa, 20);
    };

    private static Action<byte[]> Property(string name, byte[] value) => wa =>
    {
        var nameBytes = Encoding.ASCII.GetBytes(name + "\0");
        BinaryPrimitives.WriteUInt32BigEndian(wa.AsSpan(8), 20);
        BinaryPrimitives.WriteUInt32BigEndian(wa.AsSpan(12), (uint)value.Length);
        BinaryPrimitives.WriteUInt32BigEndian(wa.AsSpan(16), (uint)(20 + nameBytes.Length));
        nameBytes.CopyTo(wa, 20);
        value.CopyTo(wa, 20 + nameBytes.Length);
    };

    private static byte[] Expected(uint index, Action<byte[]>? fill = null)
    {
        var wa = new byte[DrcRtas.WorkAreaSize];
        BinaryPrimitives.WriteUInt32BigEndian(wa, index);
        fill?.Invoke(wa);
        return wa;
    }
}
