using static Spapr.Drc.Tests.Dispatch.DispatchMachine;
using static Spapr.Drc.Tests.Dispatch.RtasDispatcherSetIndicatorTests;

namespace Spapr.Drc.Tests.Dispatch;

/// <summary>
/// The argument buffer itself: tokens, counts, addresses outside guest memory, and what goes back to the h_rtas
/// handler (H_SUCCESS 0 or H_PARAMETER -4) versus what goes into rets[0].
/// </summary>
public sealed class RtasDispatcherBufferTests
{
    private const uint Allocation = 9003;

    [Fact]
    public void Dispatch_UnknownToken_WritesParameterErrorAndReturnsHParameter()
    {
        using var m = new DispatchMachine();
        uint[] args = [Allocation, 0x1000_0001, 1];

        var result = m.Call(0x2003, args, 1);

        result.Should().Be(new RtasDispatchResult(RtasDispatchOutcome.UnknownToken, RtasCall.None, -3, true, RtasEventClasses.None));
        result.HcallStatus.Should().Be(-4);
        m.Rets.Should().Equal(ParameterError);
        m.CellAfterRets(args, 1).Should().Be(Poisoned);
    }

    [Fact]
    public void Dispatch_UnknownTokenNoReturnCell_WritesNothing()
    {
        using var m = new DispatchMachine();
        uint[] args = [1, 2];

        var result = m.Call(0xA, args, 0);

        (result.Outcome, result.StatusWritten, result.HcallStatus).Should().Be((RtasDispatchOutcome.UnknownToken, false, -4L));
        m.CellAfterRets(args, 0).Should().Be(Poisoned);
    }

    [Theory]
    [InlineData(0x1_0000ul - 4)]
    [InlineData(0x2_0000ul - 8)]
    [InlineData(0x9000_0000ul)]
    [InlineData(0ul)]
    public void Dispatch_HeaderOutsideMemory_ReturnsHParameterAndWritesNothing(ulong at)
    {
        using var m = new DispatchMachine();
        var before = m.Memory.Bytes.ToArray();

        var result = m.Dispatcher.Dispatch(at);

        result.Should().Be(new RtasDispatchResult(RtasDispatchOutcome.BufferUnreadable, RtasCall.None, -3, false, RtasEventClasses.None));
        result.HcallStatus.Should().Be(-4);
        m.Memory.Bytes.Should().Equal(before);
    }

    [Fact]
    public void Dispatch_ArgumentsRunningOutOfMemory_RunsNothingAndReturnsHParameter()
    {
        using var m = new DispatchMachine();
        var cpu = m.Create(DrcType.Cpu, 1);
        m.HotPlug(cpu);
        ulong at = m.Memory.End - 20;
        m.Memory.WriteCells(at, SetIndicator, 3, 1, Allocation, cpu.Index.Value);

        var result = m.Dispatcher.Dispatch(at);

        (result.Outcome, result.Call, result.StatusWritten, result.HcallStatus).Should().Be((RtasDispatchOutcome.BufferUnreadable, RtasCall.SetIndicator, false, -4L));
        cpu.State.Should().Be(DrcState.LogicalUnusable);
    }

    [Fact]
    public void Dispatch_ReturnCellOutsideMemory_RunsNothing()
    {
        using var m = new DispatchMachine();
        var cpu = m.Create(DrcType.Cpu, 1);
        m.HotPlug(cpu);
        ulong at = m.Memory.End - 24;
        m.Memory.WriteCells(at, SetIndicator, 3, 1, Allocation, cpu.Index.Value, 1);

        m.Dispatcher.Dispatch(at).Outcome.Should().Be(RtasDispatchOutcome.BufferUnreadable);

        cpu.State.Should().Be(DrcState.LogicalUnusable);
    }

    [Fact]
    public void Dispatch_ReturnCellReadOnly_RunsTheCallButReportsTheStatusUnwritten()
    {
        using var m = new DispatchMachine();
        var cpu = m.Create(DrcType.Cpu, 1);
        m.HotPlug(cpu);
        m.Memory.ReadOnly = (Args + 24, Args + 28);

        var result = m.SetIndicatorCall(Allocation, cpu.Index, 1);

        (result.Outcome, result.Status, result.StatusWritten, result.HcallStatus).Should().Be((RtasDispatchOutcome.Served, 0, false, 0L));
        cpu.State.Should().Be(DrcState.LogicalAvailable);
    }

    [Fact]
    public void Dispatch_HugeArgumentCount_IsRefusedWithoutReadingTheArguments()
    {
        using var m = new DispatchMachine();
        m.Memory.WriteCells(Args, SetIndicator, 0xFFFF_FFFF, 1);

        var result = m.Dispatcher.Dispatch(Args);

        (result.Outcome, result.Status, result.StatusWritten).Should().Be((RtasDispatchOutcome.Served, -3, false));
    }

    [Theory]
    [InlineData(0xC000_0000_0000_0000ul)]
    [InlineData(0xF000_0000_0000_0000ul)]
    [InlineData(0x1000_0000_0000_0000ul)]
    public void Dispatch_AddressWithTopNibbleSet_IgnoresTheNibbleAsQemuDoes(ulong realModeBits)
    {
        using var m = new DispatchMachine();
        var cpu = m.Create(DrcType.Cpu, 1);
        m.HotPlug(cpu);
        m.Memory.WriteCells(Args, SetIndicator, 3, 1, Allocation, cpu.Index.Value, 1, Poisoned);

        m.Dispatcher.Dispatch(realModeBits | Args).Should().Be(Served(RtasCall.SetIndicator, 0));

        m.Memory.ReadCells(Args + 24, 1).Should().Equal(0u);
        cpu.State.Should().Be(DrcState.LogicalAvailable);
    }

    [Fact]
    public void Dispatch_TokenGivenByTheEmulator_WinsOverTheBuffersFirstCell()
    {
        using var m = new DispatchMachine();
        var cpu = m.Create(DrcType.Cpu, 0);
        m.ColdPlug(cpu);
        m.Memory.WriteCells(Args, SetIndicator, 2, 2, 9003, cpu.Index.Value, Poisoned, Poisoned);

        m.Dispatcher.Dispatch(GetSensorState, Args).Should().Be(Served(RtasCall.GetSensorState, 0));

        m.Memory.ReadCells(Args + 20, 2).Should().Equal(0u, 1u);
    }

    [Fact]
    public void Dispatch_EmulatorsOwnTokens_ServesThoseAndNotQemus()
    {
        using var m = new DispatchMachine(new RtasTokens(setIndicator: 1, getSensorState: 2, configureConnector: 3, checkException: 4, eventScan: 5));
        var cpu = m.Create(DrcType.Cpu, 0);
        m.ColdPlug(cpu);

        m.Call(2, [9003, cpu.Index.Value], 2).Should().Be(Served(RtasCall.GetSensorState, 0));
        m.Rets.Should().Equal(0u, 1u);
        m.Call(5, [0xFFFF_FFFF, 0, (uint)EventBuffer, 2048], 1).Call.Should().Be(RtasCall.EventScan);
        m.Call(GetSensorState, [9003, cpu.Index.Value], 2).Outcome.Should().Be(RtasDispatchOutcome.UnknownToken);
    }

    [Theory]
    [InlineData(SetIndicator, new uint[] { Allocation, 0x1000_0000, 1 }, 1)]
    [InlineData(GetSensorState, new uint[] { 9003, 0x1000_0000 }, 2)]
    [InlineData(ConfigureConnector, new uint[] { (uint)WorkArea, 0 }, 1)]
    [InlineData(CheckException, new uint[] { 0, 0, 0xFFFF_FFFF, 0, (uint)EventBuffer, 2048 }, 1)]
    [InlineData(EventScan, new uint[] { 0xFFFF_FFFF, 0, (uint)EventBuffer, 2048 }, 1)]
    [InlineData(SetIndicator, new uint[] { Allocation, 0x1000_0000 }, 1)]
    [InlineData(GetSensorState, new uint[] { 9003 }, 2)]
    public void Dispatch_RegistryDisposed_WritesHardwareError(uint token, uint[] args, int nret)
    {
        using var m = new DispatchMachine();
        m.ColdPlug(m.Create(DrcType.Cpu, 0));
        m.Memory.WriteCells(WorkArea, 0x1000_0000, 0);
        m.Registry.Dispose();

        var result = m.Call(token, args, nret);

        (result.Outcome, result.Status, result.StatusWritten, result.PendingEventClasses).Should().Be((RtasDispatchOutcome.Served, -1, true, RtasEventClasses.None));
        m.Rets[0].Should().Be(0xFFFF_FFFFu);
    }

    [Fact]
    public void Constructor_NullArguments_Throw()
    {
        using var m = new DispatchMachine();

        FluentActions.Invoking(() => new RtasDispatcher(null!, m.Memory)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => new RtasDispatcher(m.Registry, null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => new RtasDispatcher(m.Registry, m.Memory, null!)).Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void Tokens_DefaultConstructor_IsQemus()
    {
        using var m = new DispatchMachine();

        m.Dispatcher.Tokens.Should().BeSameAs(RtasTokens.Qemu);
    }

    [Fact]
    public void ToString_Results_SayWhatHappened()
    {
        using var m = new DispatchMachine();
        m.HotPlug(m.Create(DrcType.Cpu, 1));
        m.HotPlug(m.Create(DrcType.Cpu, 2));

        m.CheckExceptionCall().ToString().Should().Be("check-exception -> 0, events pending in Epow, hcall 0");
        m.Call(0x2003, [], 0).ToString().Should().Be("unknown token -> -3 (not written), hcall -4");
        m.Dispatcher.Dispatch(0x9000_0000).ToString().Should().Be("argument buffer outside guest memory -> -3 (not written), hcall -4");
    }
}
