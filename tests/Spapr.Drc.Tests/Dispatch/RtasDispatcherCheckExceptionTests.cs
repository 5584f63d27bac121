using static Spapr.Drc.Tests.Dispatch.DispatchMachine;
using static Spapr.Drc.Tests.Dispatch.RtasDispatcherSetIndicatorTests;

namespace Spapr.Drc.Tests.Dispatch;

/// <summary>SPEC section 4, check-exception and event-scan, with the event buffer in guest memory.</summary>
public sealed class RtasDispatcherCheckExceptionTests
{
    private const uint Epow = 0x4000_0000;
    private const uint Hotplug = 0x1000_0000;

    [Fact]
    public void Dispatch_CheckExceptionWithEvent_WritesSuccessAndTheLogIntoGuestMemory()
    {
        using var m = new DispatchMachine();
        var cpu = m.Create(DrcType.Cpu, 1);
        m.HotPlug(cpu);
        var queued = m.Registry.GetQueuedEvents()[0];

        var result = m.CheckExceptionCall();

        result.Should().Be(Served(RtasCall.CheckException, 0));
        m.Rets.Should().Equal(0u);
        var log = HotplugEventLog.Parse(m.Memory.Read(EventBuffer, 116));
        (log.Type, log.Action, log.Identifier, log.Index, log.LogId).Should().Be((HotplugType.Cpu, HotplugAction.Add, HotplugIdentifier.DrcIndex, cpu.Index, queued.LogId));
        m.Memory.Read(EventBuffer + 116, 4).Should().AllBeEquivalentTo(FakeGuestMemory.Poison);
        m.Registry.GetQueuedEvents().Should().BeEmpty();
    }

    [Fact]
    public void Dispatch_CheckExceptionWithEventsLeft_ReportsTheClassesToReRaise()
    {
        using var m = new DispatchMachine();
        m.HotPlug(m.Create(DrcType.Cpu, 1));
        m.HotPlug(m.Create(DrcType.Cpu, 2));

        m.CheckExceptionCall().Should().Be(Served(RtasCall.CheckException, 0, RtasEventClasses.Epow));
        m.CheckExceptionCall().Should().Be(Served(RtasCall.CheckException, 0, RtasEventClasses.None));
    }

    [Theory]
    [InlineData(0xFFFF_FFFFu)]
    [InlineData(Epow)]
    [InlineData(Hotplug)]
    public void Dispatch_CheckExceptionNothingQueued_WritesNoErrorsFoundAndLeavesTheBuffer(uint mask)
    {
        using var m = new DispatchMachine();

        m.CheckExceptionCall(mask).Should().Be(Served(RtasCall.CheckException, 1));

        m.Rets.Should().Equal(1u);
        m.Memory.Read(EventBuffer, 116).Should().AllBeEquivalentTo(FakeGuestMemory.Poison);
    }

    [Fact]
    public void Dispatch_CheckExceptionMaskWithoutTheEventsClass_WritesNoErrorsFoundAndKeepsTheEvent()
    {
        using var m = new DispatchMachine();
        m.HotPlug(m.Create(DrcType.Cpu, 1));

        m.CheckExceptionCall(Hotplug).Should().Be(Served(RtasCall.CheckException, 1, RtasEventClasses.Epow));

        m.Registry.GetQueuedEvents().Should().HaveCount(1);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(16u)]
    [InlineData(115u)]
    public void Dispatch_CheckExceptionBufferShorterThanTheLog_WritesParameterErrorAndKeepsTheEvent(uint length)
    {
        using var m = new DispatchMachine();
        m.HotPlug(m.Create(DrcType.Cpu, 1));

        m.CheckExceptionCall(length: length).Status.Should().Be(-3);

        m.Rets.Should().Equal(ParameterError);
        m.Memory.Read(EventBuffer, 116).Should().AllBeEquivalentTo(FakeGuestMemory.Poison);
        m.Registry.GetQueuedEvents().Should().HaveCount(1);
    }

    [Fact]
    public void Dispatch_CheckExceptionBufferExactlyTheLog_WritesSuccess()
    {
        using var m = new DispatchMachine();
        m.HotPlug(m.Create(DrcType.Cpu, 1));

        m.CheckExceptionCall(length: 116).Status.Should().Be(0);
    }

    [Fact]
    public void Dispatch_CheckExceptionBufferPartlyOutsideMemory_WritesParameterErrorAndKeepsTheEvent()
    {
        using var m = new DispatchMachine();
        m.HotPlug(m.Create(DrcType.Cpu, 1));
        ulong buffer = m.Memory.End - 100;

        m.CheckExceptionCall(buffer: buffer).Should().Be(Served(RtasCall.CheckException, -3, RtasEventClasses.Epow));

        m.Rets.Should().Equal(ParameterError);
        m.Memory.Read(buffer, 100).Should().AllBeEquivalentTo(FakeGuestMemory.Poison);
        m.Registry.GetQueuedEvents().Should().HaveCount(1);
        m.CheckExceptionCall().Status.Should().Be(0);
    }

    [Fact]
    public void Dispatch_CheckExceptionBufferOutsideMemoryNothingQueued_WritesNoErrorsFound()
    {
        using var m = new DispatchMachine();

        m.CheckExceptionCall(buffer: 0x9000_0000).Status.Should().Be(1);
    }

    /// <summary>Memory the guest can read but not write (ROM): the event was taken, so the guest is told the call failed.</summary>
    [Fact]
    public void Dispatch_CheckExceptionBufferReadOnly_WritesHardwareError()
    {
        using var m = new DispatchMachine();
        m.HotPlug(m.Create(DrcType.Cpu, 1));
        m.Memory.ReadOnly = (EventBuffer, EventBuffer + 0x1000);

        m.CheckExceptionCall().Status.Should().Be(-1);

        m.Rets.Should().Equal(0xFFFF_FFFFu);
    }

    [Fact]
    public void Dispatch_CheckExceptionSevenArguments_IsServed()
    {
        using var m = new DispatchMachine();
        m.HotPlug(m.Create(DrcType.Cpu, 1));

        m.Call(CheckException, [0, 0, 0xFFFF_FFFF, 0, (uint)EventBuffer, 2048, 0], 1).Status.Should().Be(0);
    }

    [Theory]
    [InlineData(5, 1)]
    [InlineData(8, 1)]
    [InlineData(6, 2)]
    [InlineData(6, 0)]
    public void Dispatch_CheckExceptionWrongCounts_WritesParameterErrorWithinTheDeclaredCellsAndKeepsTheEvent(int nargs, int nret)
    {
        using var m = new DispatchMachine();
        m.HotPlug(m.Create(DrcType.Cpu, 1));
        uint[] args = new uint[] { 0, 0, 0xFFFF_FFFF, 0, (uint)EventBuffer, 2048, 0, 0 }[..nargs];

        var result = m.Call(CheckException, args, nret);

        (result.Call, result.Status, result.StatusWritten, result.PendingEventClasses).Should().Be((RtasCall.CheckException, -3, nret > 0, RtasEventClasses.None));
        uint[] expected = nret == 0 ? [] : [ParameterError, .. Enumerable.Repeat(Poisoned, nret - 1)];
        m.Rets.Should().Equal(expected);
        m.CellAfterRets(args, nret).Should().Be(Poisoned);
        m.Registry.GetQueuedEvents().Should().HaveCount(1);
    }

    [Fact]
    public void Dispatch_EventScanWithEventsQueued_WritesNoErrorsFoundAndReportsTheClasses()
    {
        using var m = new DispatchMachine();
        m.HotPlug(m.Create(DrcType.Cpu, 1));

        var result = m.Call(EventScan, [0xFFFF_FFFF, 0, (uint)EventBuffer, 2048], 1);

        result.Should().Be(Served(RtasCall.EventScan, 1, RtasEventClasses.Epow));
        m.Rets.Should().Equal(1u);
        m.Memory.Read(EventBuffer, 116).Should().AllBeEquivalentTo(FakeGuestMemory.Poison);
        m.Registry.GetQueuedEvents().Should().HaveCount(1);
    }

    [Fact]
    public void Dispatch_EventScanNothingQueued_WritesNoErrorsFound()
    {
        using var m = new DispatchMachine();

        m.Call(EventScan, [0xFFFF_FFFF, 0, (uint)EventBuffer, 2048], 1).Should().Be(Served(RtasCall.EventScan, 1));
    }

    [Theory]
    [InlineData(3, 1)]
    [InlineData(5, 1)]
    [InlineData(4, 2)]
    public void Dispatch_EventScanWrongCounts_WritesParameterError(int nargs, int nret)
    {
        using var m = new DispatchMachine();
        uint[] args = new uint[] { 0xFFFF_FFFF, 0, (uint)EventBuffer, 2048, 0 }[..nargs];

        m.Call(EventScan, args, nret).Should().Be(Served(RtasCall.EventScan, -3));

        m.Rets[0].Should().Be(ParameterError);
        m.Rets.Skip(1).Should().AllBeEquivalentTo(Poisoned);
    }
}
