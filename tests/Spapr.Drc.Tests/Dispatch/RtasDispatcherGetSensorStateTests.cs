using static Spapr.Drc.Tests.Dispatch.DispatchMachine;
using static Spapr.Drc.Tests.Dispatch.RtasDispatcherSetIndicatorTests;

namespace Spapr.Drc.Tests.Dispatch;

/// <summary>SPEC section 4, get-sensor-state(type, index) -> (status, value), through guest memory.</summary>
public sealed class RtasDispatcherGetSensorStateTests
{
    private const uint EntitySense = 9003;

    [Fact]
    public void Dispatch_GetSensorStateEmptyPci_WritesSuccessAndEmpty()
    {
        using var m = new DispatchMachine();
        var pci = m.Create(DrcType.Pci, 4);

        m.SenseCall(pci.Index).Should().Be(Served(RtasCall.GetSensorState, 0));

        m.Rets.Should().Equal(0u, 0u);
    }

    [Fact]
    public void Dispatch_GetSensorStateConfiguredCpu_WritesSuccessAndPresent()
    {
        using var m = new DispatchMachine();
        var cpu = m.Create(DrcType.Cpu, 0);
        m.ColdPlug(cpu);

        m.SenseCall(cpu.Index).Status.Should().Be(0);

        m.Rets.Should().Equal(0u, 1u);
    }

    [Fact]
    public void Dispatch_GetSensorStateUnusableCpuWithDevice_WritesSuccessAndUnusable()
    {
        using var m = new DispatchMachine();
        var cpu = m.Create(DrcType.Cpu, 1);
        m.HotPlug(cpu);

        m.SenseCall(cpu.Index).Status.Should().Be(0);

        m.Rets.Should().Equal(0u, 2u);
    }

    [Theory]
    [InlineData(EntitySense, 0xDEAD_BEEFu)]
    [InlineData(EntitySense, 0x3000_0000u)]
    [InlineData(9001u, 0x1000_0000u)]
    [InlineData(9999u, 0x1000_0000u)]
    public void Dispatch_GetSensorStateRefused_WritesParameterErrorAndZero(uint sensor, uint index)
    {
        using var m = new DispatchMachine();
        m.ColdPlug(m.Create(DrcType.Cpu, 0));

        m.Call(GetSensorState, [sensor, index], 2).Should().Be(Served(RtasCall.GetSensorState, -3));

        m.Rets.Should().Equal(ParameterError, 0u);
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(3, 2)]
    [InlineData(2, 3)]
    public void Dispatch_GetSensorStateWrongCountsWithTwoReturnCells_WritesParameterErrorAndZero(int nargs, int nret)
    {
        using var m = new DispatchMachine();
        m.ColdPlug(m.Create(DrcType.Cpu, 0));
        uint[] args = new uint[] { EntitySense, 0x1000_0000, 0 }[..nargs];

        m.Call(GetSensorState, args, nret).Status.Should().Be(-3);

        m.Rets[..2].Should().Equal(ParameterError, 0u);
        m.Rets.Skip(2).Should().AllBeEquivalentTo(Poisoned);
        m.CellAfterRets(args, nret).Should().Be(Poisoned);
    }

    /// <summary>QEMU 7.2 writes both cells even when the guest declared one; the dispatcher stays inside the buffer.</summary>
    [Fact]
    public void Dispatch_GetSensorStateOneReturnCell_WritesOnlyTheStatus()
    {
        using var m = new DispatchMachine();
        m.ColdPlug(m.Create(DrcType.Cpu, 0));
        uint[] args = [EntitySense, 0x1000_0000];

        var result = m.Call(GetSensorState, args, 1);

        result.Should().Be(Served(RtasCall.GetSensorState, -3));
        m.Rets.Should().Equal(ParameterError);
        m.CellAfterRets(args, 1).Should().Be(Poisoned);
    }

    [Fact]
    public void Dispatch_GetSensorStateNoReturnCell_WritesNothing()
    {
        using var m = new DispatchMachine();
        m.ColdPlug(m.Create(DrcType.Cpu, 0));
        uint[] args = [EntitySense, 0x1000_0000];

        var result = m.Call(GetSensorState, args, 0);

        (result.Status, result.StatusWritten).Should().Be((-3, false));
        m.CellAfterRets(args, 0).Should().Be(Poisoned);
    }
}
