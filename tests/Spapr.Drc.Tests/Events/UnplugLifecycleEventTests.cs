using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Events;

/// <summary>What the plug and unplug lifecycle queues for the guest (SPEC sections 4, 5 and 6).</summary>
public sealed class UnplugLifecycleEventTests
{
    private const uint Isolation = 9001;
    private const uint Unisolate = 1;
    private const uint Slot4 = 0x4000_0020; // PCI id 0x20: devfn = slot 4 << 3 | function 0

    private static readonly DateTimeOffset Start = new(2024, 3, 15, 14, 7, 9, TimeSpan.Zero);

    [Fact]
    public void RequestUnplug_CpuRepeatedWithoutTimeout_QueuesAnotherRemove()
    {
        using var machine = Populated(new DrcOptions().SetUnplugTimeout(DrcType.Cpu, Timeout.InfiniteTimeSpan));
        var registry = machine.Registry;
        registry.Attach(new DrcIndex(0x1000_0008), new object(), null, PlugMode.Cold);

        registry.RequestUnplug(new DrcIndex(0x1000_0008)).Status.Should().Be(UnplugRequestStatus.Requested);
        registry.RequestUnplug(new DrcIndex(0x1000_0008)).Status.Should().Be(UnplugRequestStatus.Retried);

        Events(registry).Should().Equal(
            (HotplugType.Cpu, HotplugAction.Remove, HotplugIdentifier.DrcIndex, 0x1000_0008u, 1u),
            (HotplugType.Cpu, HotplugAction.Remove, HotplugIdentifier.DrcIndex, 0x1000_0008u, 1u));
    }

    [Fact]
    public void RequestUnplug_CpuRetryAfterKeepPendingTimeout_QueuesAnotherRemove()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        registry.Attach(new DrcIndex(0x1000_0008), new object(), null, PlugMode.Cold);
        registry.RequestUnplug(new DrcIndex(0x1000_0008));
        machine.Clock.Advance(TimeSpan.FromSeconds(15));

        registry.RequestUnplug(new DrcIndex(0x1000_0008)).Status.Should().Be(UnplugRequestStatus.Retried);

        Events(registry).Should().HaveCount(2).And.OnlyContain(e => e.Action == HotplugAction.Remove && e.Index == 0x1000_0008u);
    }

    [Fact]
    public void RequestUnplug_CpuRepeatedWhileTimerRuns_QueuesNoSecondRemove()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        registry.Attach(new DrcIndex(0x1000_0008), new object(), null, PlugMode.Cold);
        registry.RequestUnplug(new DrcIndex(0x1000_0008));
        machine.Clock.Advance(TimeSpan.FromSeconds(3));

        var again = registry.RequestUnplug(new DrcIndex(0x1000_0008));

        again.Status.Should().Be(UnplugRequestStatus.AlreadyPending);
        again.TimeRemaining.Should().Be(TimeSpan.FromSeconds(12));
        Events(registry).Should().ContainSingle();
    }

    [Fact]
    public void RequestUnplug_CpuNeverAcquired_ReleasesAtOnceAndStillQueuesRemove()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        registry.Attach(new DrcIndex(0x1000_0008), new object(), null, PlugMode.Hot);
        TakeAll(registry);

        registry.RequestUnplug(new DrcIndex(0x1000_0008)).Status.Should().Be(UnplugRequestStatus.CompletedImmediately);

        Events(registry).Should().Equal((HotplugType.Cpu, HotplugAction.Remove, HotplugIdentifier.DrcIndex, 0x1000_0008u, 1u));
    }

    [Fact]
    public void RequestUnplug_PhbNeverAcquired_ReleasesAtOnceAndStillQueuesRemove()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        registry.Attach(new DrcIndex(0x2000_0001), new object(), null, PlugMode.Hot);
        TakeAll(registry);

        registry.RequestUnplug(new DrcIndex(0x2000_0001)).Status.Should().Be(UnplugRequestStatus.CompletedImmediately);

        Events(registry).Should().Equal((HotplugType.Phb, HotplugAction.Remove, HotplugIdentifier.DrcIndex, 0x2000_0001u, 1u));
    }

    [Fact]
    public void RequestUnplug_PciFunctionZero_QueuesOneRemovePerPresentFunctionSevenDownToZero()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        foreach (uint f in new uint[] { 0, 1, 3, 7 })
        {
            registry.Attach(new DrcIndex(Slot4 | f), new object(), null, PlugMode.Cold);
        }

        registry.RequestUnplug(new DrcIndex(Slot4)).Status.Should().Be(UnplugRequestStatus.Requested);

        Events(registry).Select(e => e.Index).Should().Equal(Slot4 | 7, Slot4 | 3, Slot4 | 1, Slot4);
        Events(registry).Should().OnlyContain(e => e.Type == HotplugType.Pci && e.Action == HotplugAction.Remove && e.Identifier == HotplugIdentifier.DrcIndex);
        new uint[] { 0, 1, 3, 7 }.Should().OnlyContain(f => registry[new DrcIndex(Slot4 | f)].IsUnplugPending);
    }

    [Fact]
    public void RequestUnplug_PciFunctionZeroWithSomeNeverAcquired_QueuesRemoveOnlyForFunctionsStillPresent()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        HotPlugSlot4(registry, 2, 5, 0);
        registry.Rtas.SetIndicator(Isolation, Slot4 | 2, Unisolate).Should().Be(RtasStatus.Success);
        TakeAll(registry);

        registry.RequestUnplug(new DrcIndex(Slot4)).Status.Should().Be(UnplugRequestStatus.Requested);

        Events(registry).Should().Equal((HotplugType.Pci, HotplugAction.Remove, HotplugIdentifier.DrcIndex, Slot4 | 2, 1u));
        registry[new DrcIndex(Slot4)].Device.Should().BeNull();
        registry[new DrcIndex(Slot4 | 5)].Device.Should().BeNull();
    }

    [Fact]
    public void RequestUnplug_PciSlotNeverAcquired_CompletesAtOnceAndQueuesNoRemove()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        HotPlugSlot4(registry, 3, 0);
        TakeAll(registry);

        registry.RequestUnplug(new DrcIndex(Slot4)).Status.Should().Be(UnplugRequestStatus.CompletedImmediately);

        Events(registry).Should().BeEmpty();
    }

    [Fact]
    public void RequestUnplug_PciNonZeroFunctionAlone_MarksItAndQueuesNothing()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        registry.Attach(new DrcIndex(Slot4), new object(), null, PlugMode.Cold);
        registry.Attach(new DrcIndex(Slot4 | 1), new object(), null, PlugMode.Cold);

        registry.RequestUnplug(new DrcIndex(Slot4 | 1)).Status.Should().Be(UnplugRequestStatus.Requested);

        Events(registry).Should().BeEmpty();
        registry[new DrcIndex(Slot4 | 1)].IsUnplugPending.Should().BeTrue();
        registry[new DrcIndex(Slot4)].IsUnplugPending.Should().BeFalse();
    }

    [Fact]
    public void RequestUnplug_PciFunctionZeroAfterNonZeroFunctionAlone_QueuesRemoveForEveryPresentFunction()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        registry.Attach(new DrcIndex(Slot4), new object(), null, PlugMode.Cold);
        registry.Attach(new DrcIndex(Slot4 | 1), new object(), null, PlugMode.Cold);
        registry.RequestUnplug(new DrcIndex(Slot4 | 1));

        registry.RequestUnplug(new DrcIndex(Slot4)).Status.Should().Be(UnplugRequestStatus.Requested);

        Events(registry).Select(e => e.Index).Should().Equal(Slot4 | 1, Slot4);
    }

    [Fact]
    public void Attach_PciNonZeroFunctionHotWithoutFunctionZero_AttachesAndQueuesNoAdd()
    {
        using var machine = Populated();
        var registry = machine.Registry;

        registry.TryAttach(new DrcIndex(Slot4 | 3), new object(), null, PlugMode.Hot, out var error).Should().BeTrue(error);

        registry[new DrcIndex(Slot4 | 3)].Device.Should().NotBeNull();
        Events(registry).Should().BeEmpty();
    }

    [Fact]
    public void Attach_PciFunctionZeroHotAfterOtherFunctions_QueuesAddForZeroThenPresentFunctionsAscending()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        HotPlugSlot4(registry, 6, 1, 3);

        registry.Attach(new DrcIndex(Slot4), new object(), null, PlugMode.Hot);

        Events(registry).Select(e => e.Index).Should().Equal(Slot4, Slot4 | 1, Slot4 | 3, Slot4 | 6);
        Events(registry).Should().OnlyContain(e => e.Type == HotplugType.Pci && e.Action == HotplugAction.Add && e.Identifier == HotplugIdentifier.DrcIndex);
    }

    [Fact]
    public void TryAttach_PciNonZeroFunctionHotWhileFunctionZeroPresent_IsRefusedWithTheSpecMessage()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        registry.Attach(new DrcIndex(Slot4), new object(), null, PlugMode.Cold);

        registry.TryAttach(new DrcIndex(Slot4 | 2), new object(), null, PlugMode.Hot, out var error).Should().BeFalse();

        error.Should().Contain("slot 4 function 0 already occupied, additional functions can no longer be exposed to the guest");
        registry[new DrcIndex(Slot4 | 2)].Device.Should().BeNull();
        Events(registry).Should().BeEmpty();
    }

    [Fact]
    public void Attach_PciNonZeroFunctionColdWhileFunctionZeroPresent_IsAllowed()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        registry.Attach(new DrcIndex(Slot4), new object(), null, PlugMode.Cold);

        registry.TryAttach(new DrcIndex(Slot4 | 2), new object(), null, PlugMode.Cold, out var error).Should().BeTrue(error);
    }

    [Fact]
    public void RequestUnplug_MemoryDeviceThroughAnyLmb_QueuesOneRemoveCountIndexedFromTheFirstLmb()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        registry.AttachMemoryDevice(new DrcIndex(0x8000_0010), 4, new object(), null, PlugMode.Cold);

        registry.RequestUnplug(new DrcIndex(0x8000_0012)).Status.Should().Be(UnplugRequestStatus.Requested);

        Events(registry).Should().Equal((HotplugType.Memory, HotplugAction.Remove, HotplugIdentifier.DrcCountIndexed, 0x8000_0010u, 4u));
    }

    [Fact]
    public void RequestUnplug_MemoryDeviceNeverAcquired_ReleasesAtOnceAndStillQueuesRemoveCountIndexed()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        registry.AttachMemoryDevice(new DrcIndex(0x8000_0010), 2, new object(), null, PlugMode.Hot);
        TakeAll(registry);

        registry.RequestUnplug(new DrcIndex(0x8000_0010)).Status.Should().Be(UnplugRequestStatus.CompletedImmediately);

        Events(registry).Should().Equal((HotplugType.Memory, HotplugAction.Remove, HotplugIdentifier.DrcCountIndexed, 0x8000_0010u, 2u));
    }

    [Fact]
    public void RequestUnplug_MemoryDeviceRepeated_IsRefusedAndQueuesNoSecondRemove()
    {
        using var machine = Populated();
        var registry = machine.Registry;
        registry.AttachMemoryDevice(new DrcIndex(0x8000_0010), 4, new object(), null, PlugMode.Cold);
        registry.RequestUnplug(new DrcIndex(0x8000_0010));

        registry.RequestUnplug(new DrcIndex(0x8000_0013)).Status.Should().Be(UnplugRequestStatus.AlreadyPending);

        Events(registry).Should().ContainSingle();
    }

    [Theory]
    [InlineData(DrcType.Cpu, 8u, HotplugType.Cpu, 1)]
    [InlineData(DrcType.Phb, 1u, HotplugType.Phb, 4)]
    [InlineData(DrcType.Pmem, 2u, HotplugType.Pmem, 6)]
    [InlineData(DrcType.Pci, 0x20u, HotplugType.Pci, 5)]
    public void Attach_HotSingleConnectorDevice_QueuesAddByIndex(DrcType type, uint id, HotplugType expected, int typeByte)
    {
        using var machine = Populated();
        var registry = machine.Registry;
        var index = DrcIndex.From(type, id);

        registry.Attach(index, new object(), null, PlugMode.Hot);

        Events(registry).Should().Equal((expected, HotplugAction.Add, HotplugIdentifier.DrcIndex, index.Value, 1u));
        ((int)expected).Should().Be(typeByte);
    }

    [Theory]
    [InlineData(DrcType.Cpu, 8u)]
    [InlineData(DrcType.Phb, 1u)]
    [InlineData(DrcType.Pmem, 2u)]
    [InlineData(DrcType.Pci, 0x20u)]
    public void Attach_Cold_QueuesNoEvent(DrcType type, uint id)
    {
        using var machine = Populated();
        var registry = machine.Registry;

        registry.Attach(DrcIndex.From(type, id), new object(), null, PlugMode.Cold);

        Events(registry).Should().BeEmpty();
    }

    [Theory]
    [InlineData(DrcType.Phb, 1u, HotplugType.Phb)]
    [InlineData(DrcType.Pmem, 2u, HotplugType.Pmem)]
    public void RequestUnplug_ConfiguredSingleConnectorDevice_QueuesRemoveByIndex(DrcType type, uint id, HotplugType expected)
    {
        using var machine = Populated();
        var registry = machine.Registry;
        var index = DrcIndex.From(type, id);
        registry.Attach(index, new object(), null, PlugMode.Cold);

        registry.RequestUnplug(index).Status.Should().Be(UnplugRequestStatus.Requested);

        Events(registry).Should().Equal((expected, HotplugAction.Remove, HotplugIdentifier.DrcIndex, index.Value, 1u));
    }

    private static List<(HotplugType Type, HotplugAction Action, HotplugIdentifier Identifier, uint Index, uint Count)> Events(DrcRegistry registry) =>
        [.. registry.GetQueuedEvents().Select(e => (e.Type, e.Action, e.Identifier, e.Index?.Value ?? 0, e.Count))];

    private static void TakeAll(DrcRegistry registry)
    {
        var log = new byte[DrcRtas.EventLogSize];
        while (registry.Rtas.CheckException(0xFFFF_FFFF, log, out _) == RtasStatus.Success)
        {
        }
    }

    private static void HotPlugSlot4(DrcRegistry registry, params uint[] functions)
    {
        foreach (uint f in functions)
        {
            registry.Attach(new DrcIndex(Slot4 | f), new object(), null, PlugMode.Hot);
        }
    }

    private static Machine Populated(DrcOptions? options = null)
    {
        var machine = new Machine(options, Start);
        var registry = machine.Registry;
        registry.CreateConnectors(DrcType.Cpu, 0, 16);
        registry.CreateConnectors(DrcType.Phb, 0, 2);
        registry.CreateConnectors(DrcType.Pci, 0x20, 8);
        registry.CreateConnectors(DrcType.Lmb, 0x10, 8);
        registry.CreateConnectors(DrcType.Pmem, 0, 4);
        return machine;
    }
}
