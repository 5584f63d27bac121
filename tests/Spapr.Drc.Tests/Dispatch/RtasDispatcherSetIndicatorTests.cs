using Spapr.Drc.Tests.Support;
using static Spapr.Drc.Tests.Dispatch.DispatchMachine;

namespace Spapr.Drc.Tests.Dispatch;

/// <summary>SPEC section 4, set-indicator(type, index, value) -> status, through guest memory.</summary>
public sealed class RtasDispatcherSetIndicatorTests
{
    private const uint Isolation = 9001;
    private const uint DrIndicator = 9002;
    private const uint Allocation = 9003;

    [Fact]
    public void Dispatch_SetIndicatorUsableOnHotPluggedCpu_WritesSuccessAndChangesState()
    {
        using var m = new DispatchMachine();
        var cpu = m.Create(DrcType.Cpu, 1);
        m.HotPlug(cpu);

        var result = m.SetIndicatorCall(Allocation, cpu.Index, 1);

        result.Should().Be(Served(RtasCall.SetIndicator, 0));
        m.Rets.Should().Equal(0u);
        cpu.State.Should().Be(DrcState.LogicalAvailable);
    }

    [Fact]
    public void Dispatch_SetIndicatorIsolateConfiguredLmbNotRequested_WritesHardwareError()
    {
        using var m = new DispatchMachine();
        var lmb = m.Create(DrcType.Lmb, 8);
        m.Registry.AttachMemoryDevice(lmb.Index, 1, "dimm0", _ => Fragments.Simple(), PlugMode.Cold);
        lmb.State.Should().Be(DrcState.LogicalConfigured);

        var result = m.SetIndicatorCall(Isolation, lmb.Index, 0);

        result.Status.Should().Be(-1);
        m.Rets.Should().Equal(0xFFFF_FFFFu);
        lmb.State.Should().Be(DrcState.LogicalConfigured);
    }

    [Fact]
    public void Dispatch_SetIndicatorDrIndicatorOnPci_WritesSuccessAndStoresValue()
    {
        using var m = new DispatchMachine();
        var pci = m.Create(DrcType.Pci, 4);

        m.SetIndicatorCall(DrIndicator, pci.Index, 3).Status.Should().Be(0);

        m.Rets.Should().Equal(0u);
        pci.DrIndicator.Should().Be(Spapr.Drc.DrIndicator.Action);
    }

    [Theory]
    [InlineData(Isolation, 0xDEAD_BEEFu, 0u)]
    [InlineData(Allocation, 0xDEAD_BEEFu, 1u)]
    [InlineData(DrIndicator, 0xDEAD_BEEFu, 1u)]
    [InlineData(Isolation, 0x1000_0000u, 2u)]
    [InlineData(Allocation, 0x1000_0000u, 2u)]
    [InlineData(Allocation, 0x4000_0004u, 1u)]
    [InlineData(DrIndicator, 0x1000_0000u, 1u)]
    [InlineData(DrIndicator, 0x4000_0004u, 4u)]
    [InlineData(9999u, 0x1000_0000u, 0u)]
    [InlineData(9004u, 0x1000_0000u, 0u)]
    public void Dispatch_SetIndicatorRefusedValue_WritesParameterError(uint indicator, uint index, uint value)
    {
        using var m = new DispatchMachine();
        m.ColdPlug(m.Create(DrcType.Cpu, 0));
        m.Create(DrcType.Pci, 4);

        var result = m.Call(SetIndicator, [indicator, index, value], 1);

        result.Should().Be(Served(RtasCall.SetIndicator, -3));
        m.Rets.Should().Equal(ParameterError);
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(4, 1)]
    [InlineData(0, 1)]
    [InlineData(3, 2)]
    public void Dispatch_SetIndicatorWrongCounts_WritesParameterErrorInFirstCellOnlyAndChangesNothing(int nargs, int nret)
    {
        using var m = new DispatchMachine();
        var cpu = m.Create(DrcType.Cpu, 1);
        m.HotPlug(cpu);
        uint[] args = new uint[] { Allocation, cpu.Index.Value, 1, 0 }[..nargs];

        var result = m.Call(SetIndicator, args, nret);

        result.Should().Be(Served(RtasCall.SetIndicator, -3));
        m.Rets[0].Should().Be(ParameterError);
        m.Rets.Skip(1).Should().AllBeEquivalentTo(Poisoned);
        m.CellAfterRets(args, nret).Should().Be(Poisoned);
        cpu.State.Should().Be(DrcState.LogicalUnusable);
    }

    [Fact]
    public void Dispatch_SetIndicatorNoReturnCell_WritesNothingAndChangesNothing()
    {
        using var m = new DispatchMachine();
        var cpu = m.Create(DrcType.Cpu, 1);
        m.HotPlug(cpu);
        uint[] args = [Allocation, cpu.Index.Value, 1];

        var result = m.Call(SetIndicator, args, 0);

        (result.Outcome, result.Status, result.StatusWritten, result.HcallStatus).Should().Be((RtasDispatchOutcome.Served, -3, false, 0L));
        m.CellAfterRets(args, 0).Should().Be(Poisoned);
        cpu.State.Should().Be(DrcState.LogicalUnusable);
    }

    internal static RtasDispatchResult Served(RtasCall call, int status, RtasEventClasses pending = RtasEventClasses.None) =>
        new(RtasDispatchOutcome.Served, call, status, true, pending);
}
