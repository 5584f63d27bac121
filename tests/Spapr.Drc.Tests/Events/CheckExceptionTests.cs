using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Events;

/// <summary>SPEC section 4 (event classes, check-exception) and section 5 (reset and negotiation empty the queue).</summary>
public sealed class CheckExceptionTests
{
    private const uint EpowMask = 0x4000_0000;
    private const uint HotplugMask = 0x1000_0000;
    private const uint AnyClass = 0xFFFF_FFFF;

    private static readonly DateTimeOffset Start = new(2024, 3, 15, 14, 7, 9, TimeSpan.Zero);

    [Fact]
    public void RtasEventClasses_Masks_AreTheClassBitsOfSpec()
    {
        ((uint)RtasEventClasses.Epow).Should().Be(EpowMask);
        ((uint)RtasEventClasses.Hotplug).Should().Be(HotplugMask);
    }

    [Fact]
    public void CheckException_BeforeNegotiation_EventIsInTheEpowClass()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        HotPlugCpu(registry, 1);

        registry.Rtas.CheckException(HotplugMask, new byte[116], out _).Should().Be(RtasStatus.NoErrorsFound);
        registry.Rtas.CheckException(EpowMask, new byte[116], out var e).Should().Be(RtasStatus.Success);
        e!.EventClass.Should().Be(RtasEventClasses.Epow);
    }

    [Fact]
    public void CheckException_AfterNegotiation_EventIsInTheHotplugClass()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        registry.NegotiateClientArchitecture();
        HotPlugCpu(registry, 1);

        registry.Rtas.CheckException(EpowMask, new byte[116], out _).Should().Be(RtasStatus.NoErrorsFound);
        registry.Rtas.CheckException(HotplugMask, new byte[116], out var e).Should().Be(RtasStatus.Success);
        e!.EventClass.Should().Be(RtasEventClasses.Hotplug);
    }

    [Fact]
    public void NegotiateClientArchitecture_Declined_KeepsTheEpowClassAndCountOnlyMemoryAdd()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        registry.NegotiateClientArchitecture(hotplugEvents: false);
        registry.AttachMemoryDevice(new DrcIndex(0x8000_0010), 2, new object(), null, PlugMode.Hot);

        var e = registry.GetQueuedEvents().Should().ContainSingle().Subject;
        e.EventClass.Should().Be(RtasEventClasses.Epow);
        e.Identifier.Should().Be(HotplugIdentifier.DrcCount);
    }

    [Fact]
    public void AttachMemoryDevice_HotBeforeNegotiation_QueuesAddByCount()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        registry.AttachMemoryDevice(new DrcIndex(0x8000_0010), 3, new object(), null, PlugMode.Hot);

        var e = registry.GetQueuedEvents().Should().ContainSingle().Subject;
        (e.Type, e.Action, e.Identifier, e.Count).Should().Be((HotplugType.Memory, HotplugAction.Add, HotplugIdentifier.DrcCount, 3u));
        ((byte)e.Identifier).Should().Be(3);
    }

    [Fact]
    public void AttachMemoryDevice_HotAfterNegotiation_QueuesAddCountIndexed()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        registry.NegotiateClientArchitecture();
        registry.AttachMemoryDevice(new DrcIndex(0x8000_0010), 3, new object(), null, PlugMode.Hot);

        var e = registry.GetQueuedEvents().Should().ContainSingle().Subject;
        (e.Identifier, e.Count, e.Index).Should().Be((HotplugIdentifier.DrcCountIndexed, 3u, new DrcIndex(0x8000_0010)));
        ((byte)e.Identifier).Should().Be(4);
    }

    [Fact]
    public void CheckException_MixedClasses_TakesTheOldestEventOfTheMaskedClassesInFifoOrder()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        HotPlugCpu(registry, 1);
        HotPlugCpu(registry, 2);
        registry.SetHotplugEventsNegotiatedWithoutReset(true);
        HotPlugCpu(registry, 3);
        HotPlugCpu(registry, 4);
        registry.SetHotplugEventsNegotiatedWithoutReset(false);
        HotPlugCpu(registry, 5);

        var taken = new List<(uint, RtasEventClasses)>();
        foreach (uint mask in new[] { HotplugMask, EpowMask, AnyClass, HotplugMask, AnyClass })
        {
            registry.Rtas.CheckException(mask, new byte[116], out var e).Should().Be(RtasStatus.Success);
            taken.Add((e!.Index!.Value.Id, e.EventClass));
        }

        taken.Should().Equal(
            (3u, RtasEventClasses.Hotplug),
            (1u, RtasEventClasses.Epow),
            (2u, RtasEventClasses.Epow),
            (4u, RtasEventClasses.Hotplug),
            (5u, RtasEventClasses.Epow));
    }

    [Fact]
    public void CheckException_SameClass_ReturnsEventsInQueueOrder()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        HotPlugCpu(registry, 2);
        HotPlugCpu(registry, 1);
        HotPlugCpu(registry, 3);

        var order = new List<uint>();
        while (registry.Rtas.CheckException(EpowMask, new byte[116], out var e) == RtasStatus.Success)
        {
            order.Add(e!.Index!.Value.Id);
        }

        order.Should().Equal(2u, 1u, 3u);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(0x8000_0000u)]
    [InlineData(0x2000_0000u)]
    [InlineData(0x0800_0000u)]
    public void CheckException_MaskWithoutTheEventsClass_ReturnsNoErrorsFoundAndKeepsTheEvent(uint mask)
    {
        using var machine = Populated();
        var registry = machine.Registry;
        HotPlugCpu(registry, 1);

        registry.Rtas.CheckException(mask, new byte[116], out var e).Should().Be(RtasStatus.NoErrorsFound);
        e.Should().BeNull();
        registry.GetQueuedEvents().Should().ContainSingle();
    }

    [Fact]
    public void CheckException_EmptyQueue_ReturnsNoErrorsFoundWhichIsOne()
    {
        using var machine = Populated();
        var registry = machine.Registry;

        var status = registry.Rtas.CheckException(AnyClass, new byte[116], out var e);

        ((int)status).Should().Be(1);
        e.Should().BeNull();
    }

    [Fact]
    public void CheckException_BufferOf115Bytes_ReturnsParameterErrorAndDequeuesNothing()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        HotPlugCpu(registry, 1);
        var small = new byte[115];

        registry.Rtas.CheckException(AnyClass, small, out var e).Should().Be(RtasStatus.ParameterError);

        e.Should().BeNull();
        small.Should().OnlyContain(b => b == 0);
        registry.GetQueuedEvents().Should().ContainSingle();
        registry.Rtas.CheckException(AnyClass, new byte[116], out var later).Should().Be(RtasStatus.Success);
        later!.Index.Should().Be(new DrcIndex(0x1000_0001));
    }

    [Fact]
    public void CheckException_Success_RemovesTheEventAndReportsIt()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        HotPlugCpu(registry, 1);

        registry.Rtas.CheckException(AnyClass, new byte[116], out var e).Should().Be(RtasStatus.Success);

        e.Should().BeEquivalentTo(new { Type = HotplugType.Cpu, Action = HotplugAction.Add, Identifier = HotplugIdentifier.DrcIndex, Index = new DrcIndex(0x1000_0001), Count = 1u });
        registry.GetQueuedEvents().Should().BeEmpty();
    }

    [Fact]
    public void PendingEventClasses_ReportsOnlyClassesThatStillHoldEvents()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        registry.PendingEventClasses.Should().Be(RtasEventClasses.None);
        HotPlugCpu(registry, 1);
        registry.SetHotplugEventsNegotiatedWithoutReset(true);
        HotPlugCpu(registry, 2);
        var seen = new List<RtasEventClasses> { registry.PendingEventClasses };

        registry.Rtas.CheckException(EpowMask, new byte[116], out _);
        seen.Add(registry.PendingEventClasses);
        registry.Rtas.CheckException(HotplugMask, new byte[116], out _);
        seen.Add(registry.PendingEventClasses);

        seen.Should().Equal(RtasEventClasses.Epow | RtasEventClasses.Hotplug, RtasEventClasses.Hotplug, RtasEventClasses.None);
    }

    [Fact]
    public void Reset_WithQueuedEvents_EmptiesTheQueue()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        HotPlugCpu(registry, 1);
        HotPlugCpu(registry, 2);

        registry.Reset();

        registry.GetQueuedEvents().Should().BeEmpty();
        registry.PendingEventClasses.Should().Be(RtasEventClasses.None);
        registry.Rtas.CheckException(AnyClass, new byte[116], out _).Should().Be(RtasStatus.NoErrorsFound);
    }

    [Fact]
    public void Reset_AfterNegotiation_ForgetsTheNegotiation()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        registry.NegotiateClientArchitecture();

        registry.Reset();
        registry.AttachMemoryDevice(new DrcIndex(0x8000_0010), 2, new object(), null, PlugMode.Hot);

        registry.HotplugEventsNegotiated.Should().BeFalse();
        var e = registry.GetQueuedEvents().Should().ContainSingle().Subject;
        (e.EventClass, e.Identifier).Should().Be((RtasEventClasses.Epow, HotplugIdentifier.DrcCount));
    }

    [Fact]
    public void NegotiateClientArchitecture_WithQueuedEvents_DropsThem()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        HotPlugCpu(registry, 1);
        registry.Attach(new DrcIndex(0x1000_0002), new object(), null, PlugMode.Cold);
        registry.RequestUnplug(new DrcIndex(0x1000_0002));

        registry.NegotiateClientArchitecture();

        registry.GetQueuedEvents().Should().BeEmpty();
        registry.HotplugEventsNegotiated.Should().BeTrue();
    }

    [Fact]
    public void NegotiateClientArchitecture_PendingUnplug_CompletesItAsResetDoes()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        registry.Attach(new DrcIndex(0x1000_0002), new object(), null, PlugMode.Cold);
        registry.RequestUnplug(new DrcIndex(0x1000_0002));
        var completed = new List<UnplugOutcome>();
        registry.UnplugCompleted += (_, e) => completed.Add(e.Outcome);

        registry.NegotiateClientArchitecture();

        completed.Should().Equal(UnplugOutcome.CompletedByReset);
        registry[new DrcIndex(0x1000_0002)].Device.Should().BeNull();
        registry[new DrcIndex(0x1000_0002)].State.Should().Be(DrcState.LogicalUnusable);
    }

    [Fact]
    public void NegotiateClientArchitecture_HotPluggedDeviceNotYetAcquired_GoesToTheReadyStateAsResetDoes()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        HotPlugCpu(registry, 1);
        registry.CreateConnector(DrcType.Pci, 0x20);
        registry.Attach(new DrcIndex(0x4000_0020), new object(), null, PlugMode.Hot);

        registry.NegotiateClientArchitecture();

        registry[new DrcIndex(0x1000_0001)].State.Should().Be(DrcState.LogicalConfigured);
        registry[new DrcIndex(0x4000_0020)].State.Should().Be(DrcState.PhysicalConfigured);
        registry[new DrcIndex(0x4000_0020)].DrIndicator.Should().Be(DrIndicator.Active);
    }

    [Fact]
    public void HotplugEventQueued_EachQueuedEvent_IsRaisedOnceInQueueOrder()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        var raised = new List<HotplugEvent>();
        registry.HotplugEventQueued += (_, e) => raised.Add(e.Event);

        HotPlugCpu(registry, 1);
        HotPlugCpu(registry, 2);

        raised.Should().Equal(registry.GetQueuedEvents());
    }

    [Theory]
    [InlineData(6)]
    [InlineData(7)]
    public void CheckExceptionCells_ValidArgCount_WritesTheLogAndReturnsRemainingClasses(int argCount)
    {
        using var machine = Populated();
        var registry = machine.Registry;
        HotPlugCpu(registry, 1);
        HotPlugCpu(registry, 2);
        var args = new uint[argCount];
        args[2] = AnyClass;
        args[4] = 0x1000_3000;
        args[5] = 116;
        var rets = new uint[1];
        var buffer = new byte[116];

        var remaining = registry.Rtas.CheckException(args, rets, buffer);

        rets[0].Should().Be(0u);
        buffer.AsSpan(0, 4).ToArray().Should().Equal(0x06, 0x34, 0x60, 0xE5);
        buffer.AsSpan(108, 4).ToArray().Should().Equal(0x10, 0x00, 0x00, 0x01);
        remaining.Should().Be(RtasEventClasses.Epow);
    }

    [Fact]
    public void CheckExceptionCells_LastEvent_ReturnsNoRemainingClasses()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        HotPlugCpu(registry, 1);
        var rets = new uint[1];

        var remaining = registry.Rtas.CheckException(CheckExceptionArgs(EpowMask, 116), rets, new byte[116]);

        rets[0].Should().Be(0u);
        remaining.Should().Be(RtasEventClasses.None);
    }

    [Fact]
    public void CheckExceptionCells_MaskFromArgumentTwo_FiltersTheClass()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        HotPlugCpu(registry, 1);
        var rets = new uint[1];

        var remaining = registry.Rtas.CheckException(CheckExceptionArgs(HotplugMask, 116), rets, new byte[116]);

        rets[0].Should().Be(1u);
        remaining.Should().Be(RtasEventClasses.Epow);
    }

    [Theory]
    [InlineData(5, 1)]
    [InlineData(8, 1)]
    [InlineData(6, 2)]
    public void CheckExceptionCells_WrongCounts_ReturnsMinusThreeAndDequeuesNothing(int argCount, int retCount)
    {
        using var machine = Populated();
        var registry = machine.Registry;
        HotPlugCpu(registry, 1);
        var args = new uint[argCount];
        args[2] = AnyClass;
        args[Math.Min(5, argCount - 1)] = 116;
        var rets = new uint[retCount];

        registry.Rtas.CheckException(args, rets, new byte[116]).Should().Be(RtasEventClasses.None);

        rets[0].Should().Be(unchecked((uint)-3));
        registry.GetQueuedEvents().Should().ContainSingle();
    }

    [Fact]
    public void CheckExceptionCells_GuestLengthBelowLogSize_ReturnsMinusThreeEvenWithALargerMapping()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        HotPlugCpu(registry, 1);
        var rets = new uint[1];
        var buffer = new byte[4096];

        registry.Rtas.CheckException(CheckExceptionArgs(AnyClass, 64), rets, buffer);

        rets[0].Should().Be(unchecked((uint)-3));
        buffer.Should().OnlyContain(b => b == 0);
        registry.GetQueuedEvents().Should().ContainSingle();
    }

    [Fact]
    public void EventScanCells_WithEvents_ReturnsNoErrorsFoundAndTheClassesToRaise()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        HotPlugCpu(registry, 1);
        var rets = new uint[1];

        var classes = registry.Rtas.EventScan([AnyClass, 0, 0x1000_4000, 1024], rets);

        rets[0].Should().Be(1u);
        classes.Should().Be(RtasEventClasses.Epow);
        registry.GetQueuedEvents().Should().ContainSingle();
    }

    [Fact]
    public void EventScanCells_EmptyQueue_ReturnsNoErrorsFoundAndNoClasses()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        var rets = new uint[1];

        registry.Rtas.EventScan([AnyClass, 0, 0x1000_4000, 1024], rets).Should().Be(RtasEventClasses.None);

        rets[0].Should().Be(1u);
    }

    [Theory]
    [InlineData(3, 1)]
    [InlineData(5, 1)]
    [InlineData(4, 2)]
    public void EventScanCells_WrongCounts_ReturnsMinusThreeAndNoClasses(int argCount, int retCount)
    {
        using var machine = Populated();
        var registry = machine.Registry;
        HotPlugCpu(registry, 1);
        var rets = new uint[retCount];

        registry.Rtas.EventScan(new uint[argCount], rets).Should().Be(RtasEventClasses.None);

        rets[0].Should().Be(unchecked((uint)-3));
    }

    private static uint[] CheckExceptionArgs(uint mask, uint length) => [0, 0, mask, 0, 0x1000_3000, length];

    private static void HotPlugCpu(DrcRegistry registry, uint id) =>
        registry.Attach(DrcIndex.From(DrcType.Cpu, id), new object(), null, PlugMode.Hot);

    private static Machine Populated()
    {
        var machine = new Machine(start: Start);
        var registry = machine.Registry;
        registry.CreateConnectors(DrcType.Cpu, 0, 8);
        registry.CreateConnectors(DrcType.Lmb, 0x10, 8);
        return machine;
    }
}
