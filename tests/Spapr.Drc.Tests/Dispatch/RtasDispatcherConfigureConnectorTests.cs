using Spapr.Drc.Tests.Support;
using static Spapr.Drc.Tests.Dispatch.DispatchMachine;
using static Spapr.Drc.Tests.Dispatch.RtasDispatcherSetIndicatorTests;

namespace Spapr.Drc.Tests.Dispatch;

/// <summary>SPEC section 4, ibm,configure-connector(work area) -> status, with the work area in guest memory.</summary>
public sealed class RtasDispatcherConfigureConnectorTests
{
    [Fact]
    public void Dispatch_ConfigureConnectorWalk_ReturnsEachCodeOfTheFragment()
    {
        using var m = new DispatchMachine();
        var cpu = Acquired(m, Fragments.WithChild());

        var codes = new List<int> { m.ConfigureCall(cpu.Index.Value).Status };
        while (codes[^1] is 2 or 3 or 4)
        {
            codes.Add(m.ConfigureCall(cpu.Index.Value, start: false).Status);
        }

        codes.Should().Equal(2, 3, 3, 2, 3, 4, 0);
        cpu.State.Should().Be(DrcState.LogicalConfigured);
    }

    [Fact]
    public void Dispatch_ConfigureConnectorNodeStart_WritesNameOffsetAndNameIntoGuestMemory()
    {
        using var m = new DispatchMachine();
        var cpu = Acquired(m, Fragments.WithChild());

        m.ConfigureCall(cpu.Index.Value).Should().Be(Served(RtasCall.ConfigureConnector, 2));

        m.Memory.ReadCells(WorkArea, 3).Should().Equal(cpu.Index.Value, 0u, 20u);
        m.Memory.Read(WorkArea + 20, 7).Should().Equal([.. "cpu@8\0"u8.ToArray(), FakeGuestMemory.Poison]);
    }

    [Fact]
    public void Dispatch_ConfigureConnectorProperty_WritesNameLengthOffsetAndValueAndNothingAfter()
    {
        using var m = new DispatchMachine();
        var cpu = Acquired(m, Fragments.WithChild());
        m.ConfigureCall(cpu.Index.Value);

        m.ConfigureCall(cpu.Index.Value, start: false).Status.Should().Be(3);

        m.Memory.ReadCells(WorkArea + 8, 3).Should().Equal(20u, 4u, 24u);
        m.Memory.Read(WorkArea + 20, 9).Should().Equal(0x72, 0x65, 0x67, 0x00, 0x11, 0x22, 0x33, 0x44, FakeGuestMemory.Poison);
    }

    [Fact]
    public void Dispatch_ConfigureConnectorUnknownIndex_WritesParameterError()
    {
        using var m = new DispatchMachine();

        m.ConfigureCall(0xDEAD_BEEF).Should().Be(Served(RtasCall.ConfigureConnector, -3));

        m.Rets.Should().Equal(ParameterError);
    }

    [Fact]
    public void Dispatch_ConfigureConnectorUnusableCpu_WritesNotConfigurable()
    {
        using var m = new DispatchMachine();
        var cpu = m.Create(DrcType.Cpu, 1);
        m.HotPlug(cpu);

        m.ConfigureCall(cpu.Index.Value).Status.Should().Be(-9003);

        m.Rets.Should().Equal(unchecked((uint)-9003));
    }

    [Fact]
    public void Dispatch_ConfigureConnectorWithoutFragment_WritesHardwareError()
    {
        using var m = new DispatchMachine();
        var cpu = m.Create(DrcType.Cpu, 1);
        m.Registry.Attach(cpu.Index, new object(), null, PlugMode.Hot);
        m.Usable(cpu).Should().Be(RtasStatus.Success);
        m.Unisolate(cpu).Should().Be(RtasStatus.Success);

        m.ConfigureCall(cpu.Index.Value).Status.Should().Be(-1);

        m.Rets.Should().Equal(0xFFFF_FFFFu);
    }

    /// <summary>QEMU reads a work area outside guest memory as zeros: index 0 names no connector.</summary>
    [Fact]
    public void Dispatch_ConfigureConnectorWorkAreaOutsideMemory_WritesParameterError()
    {
        using var m = new DispatchMachine();
        Acquired(m, Fragments.WithChild());

        var result = m.Call(ConfigureConnector, [0x9000_0000, 0], 1);

        result.Should().Be(Served(RtasCall.ConfigureConnector, -3));
        m.Rets.Should().Equal(ParameterError);
    }

    [Fact]
    public void Dispatch_ConfigureConnectorWorkAreaRunningOutOfMemory_ClipsAtTheEndOfMemory()
    {
        using var m = new DispatchMachine();
        var value = Enumerable.Range(1, 64).Select(i => (byte)i).ToArray();
        var cpu = Acquired(m, new DeviceTreeNode("dev@1").Add(new DeviceTreeProperty("blob", value)));
        ulong workArea = m.Memory.End - 40;
        m.ConfigureCall(cpu.Index.Value, workArea).Status.Should().Be(2);

        var result = m.ConfigureCall(cpu.Index.Value, workArea, start: false);

        result.Status.Should().Be(3);
        m.Memory.ReadCells(workArea + 8, 3).Should().Equal(20u, 64u, 25u);
        m.Memory.Read(workArea + 20, 20).Should().Equal([.. "blob\0"u8.ToArray(), .. value[..15]]);
        m.ConfigureCall(cpu.Index.Value, workArea, start: false).Status.Should().Be(0);
    }

    [Fact]
    public void Dispatch_ConfigureConnectorWorkAreaWithOnlyTheIndexInMemory_StillWalksTheFragment()
    {
        using var m = new DispatchMachine();
        var cpu = Acquired(m, Fragments.Simple());
        ulong workArea = m.Memory.End - 8;

        m.ConfigureCall(cpu.Index.Value, workArea).Status.Should().Be(2);
        m.ConfigureCall(cpu.Index.Value, workArea, start: false).Status.Should().Be(3);
        m.ConfigureCall(cpu.Index.Value, workArea, start: false).Status.Should().Be(0);

        m.Memory.ReadCells(workArea, 2).Should().Equal(cpu.Index.Value, 0u);
    }

    [Fact]
    public void Dispatch_ConfigureConnectorHighAddressCell_UsesBothCellsAsOneAddress()
    {
        using var m = new DispatchMachine();
        var cpu = Acquired(m, Fragments.Simple());
        var high = new FakeGuestMemory(0x2_0000_0000, 0x2000);
        var dispatcher = new RtasDispatcher(m.Registry, new SplitMemory(m.Memory, high));
        high.WriteCells(0x2_0000_1000, cpu.Index.Value, 0);
        m.Memory.WriteCells(Args, ConfigureConnector, 2, 1, 0x1000, 2, Poisoned);

        dispatcher.Dispatch(Args).Status.Should().Be(2);

        high.ReadCells(0x2_0000_1008, 1).Should().Equal(20u);
        m.Memory.ReadCells(Args + 20, 1).Should().Equal(2u);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 1)]
    [InlineData(2, 2)]
    public void Dispatch_ConfigureConnectorWrongCounts_WritesParameterErrorAndDoesNotAdvance(int nargs, int nret)
    {
        using var m = new DispatchMachine();
        var cpu = Acquired(m, Fragments.Simple());
        m.Memory.WriteCells(WorkArea, cpu.Index.Value, 0);
        uint[] args = new uint[] { (uint)WorkArea, 0, 0 }[..nargs];

        m.Call(ConfigureConnector, args, nret).Should().Be(Served(RtasCall.ConfigureConnector, -3));

        m.Rets[0].Should().Be(ParameterError);
        m.Rets.Skip(1).Should().AllBeEquivalentTo(Poisoned);
        m.ConfigureCall(cpu.Index.Value).Status.Should().Be(2);
    }

    private static SpaprDrc Acquired(DispatchMachine m, DeviceTreeNode fragment)
    {
        var cpu = m.Create(DrcType.Cpu, 1);
        m.HotPlug(cpu, fragment);
        m.Usable(cpu).Should().Be(RtasStatus.Success);
        m.Unisolate(cpu).Should().Be(RtasStatus.Success);
        return cpu;
    }

    /// <summary>Two RAM regions, as a machine with memory above 4 GiB has.</summary>
    private sealed class SplitMemory(FakeGuestMemory low, FakeGuestMemory high) : IGuestMemory
    {
        public bool TryRead(ulong address, Span<byte> destination) => low.TryRead(address, destination) || high.TryRead(address, destination);

        public bool TryWrite(ulong address, ReadOnlySpan<byte> source) => low.TryWrite(address, source) || high.TryWrite(address, source);
    }
}
