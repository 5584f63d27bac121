using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Rtas;

/// <summary>The sequences a Linux guest runs (SPEC sections 3-5, QEMU observations 3b, 3c, 3e, 3f), end to end.</summary>
public sealed class LinuxGuestSequenceTests
{
    [Fact]
    public void CpuAdd_HotPlugThenGuestAcquiresAndConfigures_EndsConfigured()
    {
        using var machine = new Machine();
        var cpu = machine.Create(DrcType.Cpu, 8);

        machine.HotPlug(cpu, Fragments.WithChild());

        machine.Registry.GetQueuedEvents().Should().ContainSingle().Which.Should().Match<HotplugEvent>(e =>
            e.Type == HotplugType.Cpu && e.Action == HotplugAction.Add && e.Identifier == HotplugIdentifier.DrcIndex && e.Index!.Value.Value == 0x1000_0008);
        machine.Sense(cpu).Should().Be((RtasStatus.Success, 2u));
        machine.Usable(cpu).Should().Be(RtasStatus.Success);
        cpu.State.Should().Be(DrcState.LogicalAvailable);
        machine.Unisolate(cpu).Should().Be(RtasStatus.Success);
        cpu.State.Should().Be(DrcState.LogicalUnisolate);
        machine.ConfigureAll(cpu).Last().Should().Be(ConfigureConnectorStatus.Success);
        cpu.State.Should().Be(DrcState.LogicalConfigured);
        ((int)cpu.State).Should().Be(4);
        machine.Sense(cpu).Should().Be((RtasStatus.Success, 1u));
        machine.Notifications.Unplug.Should().BeEmpty();
    }

    [Fact]
    public void CpuRemove_GuestIsolatesThenSetsUnusable_ReleasesAndNotifiesCompleted()
    {
        using var machine = new Machine();
        var cpu = machine.Create(DrcType.Cpu, 8);
        var device = machine.ColdPlug(cpu);

        machine.Registry.RequestUnplug(cpu.Index).Status.Should().Be(UnplugRequestStatus.Requested);
        machine.Registry.GetQueuedEvents().Should().ContainSingle().Which.Should().Match<HotplugEvent>(e =>
            e.Type == HotplugType.Cpu && e.Action == HotplugAction.Remove && e.Index == cpu.Index);
        machine.Sense(cpu).Should().Be((RtasStatus.Success, 1u));
        machine.Isolate(cpu).Should().Be(RtasStatus.Success);
        cpu.State.Should().Be(DrcState.LogicalAvailable);
        cpu.Device.Should().BeSameAs(device);
        machine.Notifications.Unplug.Should().BeEmpty();

        machine.Unusable(cpu).Should().Be(RtasStatus.Success);

        cpu.State.Should().Be(DrcState.LogicalUnusable);
        cpu.Device.Should().BeNull();
        cpu.IsUnplugPending.Should().BeFalse();
        var completed = machine.Notifications.Unplug.Should().ContainSingle().Subject;
        completed.Outcome.Should().Be(UnplugOutcome.Completed);
        completed.IsTerminal.Should().BeTrue();
        completed.Device.Should().BeSameAs(device);
        completed.Index.Should().Be(cpu.Index);
        completed.Name.Should().Be("CPU 8");
        machine.Sense(cpu).Should().Be((RtasStatus.Success, 2u));
    }

    [Fact]
    public void LmbAdd_MemoryDeviceHotPlugThenGuestAcquiresEachLmb_EndsConfigured()
    {
        using var machine = new Machine();
        var lmbs = machine.Registry.CreateConnectors(DrcType.Lmb, 8, 4);

        machine.Registry.AttachMemoryDevice(lmbs[0].Index, 4, new TestDevice("dimm1"), _ => Fragments.Simple(), PlugMode.Hot);

        machine.Registry.GetQueuedEvents().Should().ContainSingle().Which.Should().Match<HotplugEvent>(e =>
            e.Type == HotplugType.Memory && e.Action == HotplugAction.Add && e.Identifier == HotplugIdentifier.DrcCount && e.Count == 4);
        foreach (var lmb in lmbs)
        {
            machine.Sense(lmb).Should().Be((RtasStatus.Success, 2u));
            machine.Usable(lmb).Should().Be(RtasStatus.Success);
            machine.Unisolate(lmb).Should().Be(RtasStatus.Success);
            machine.ConfigureAll(lmb).Should().Equal(ConfigureConnectorStatus.NextChild, ConfigureConnectorStatus.NextProperty, ConfigureConnectorStatus.Success);
            lmb.State.Should().Be(DrcState.LogicalConfigured);
        }
    }

    [Fact]
    public void LmbRemove_GuestReleasesEveryLmb_CompletesOnceWithTheLast()
    {
        using var machine = new Machine();
        var lmbs = machine.Registry.CreateConnectors(DrcType.Lmb, 8, 4);
        var dimm = new TestDevice("dimm1");
        machine.Registry.AttachMemoryDevice(lmbs[0].Index, 4, dimm, _ => Fragments.Simple(), PlugMode.Cold);

        machine.Registry.RequestUnplug(lmbs[0].Index).Status.Should().Be(UnplugRequestStatus.Requested);

        machine.Registry.GetQueuedEvents().Should().ContainSingle().Which.Should().Match<HotplugEvent>(e =>
            e.Type == HotplugType.Memory && e.Action == HotplugAction.Remove && e.Identifier == HotplugIdentifier.DrcCountIndexed && e.Count == 4 && e.Index!.Value.Value == 0x8000_0008);
        foreach (var lmb in lmbs)
        {
            machine.Notifications.Unplug.Should().BeEmpty();
            machine.Sense(lmb).Should().Be((RtasStatus.Success, 1u));
            machine.Isolate(lmb).Should().Be(RtasStatus.Success);
            machine.Unusable(lmb).Should().Be(RtasStatus.Success);
            lmb.Device.Should().BeNull();
        }

        var completed = machine.Notifications.Unplug.Should().ContainSingle().Subject;
        completed.Outcome.Should().Be(UnplugOutcome.Completed);
        completed.Device.Should().BeSameAs(dimm);
        completed.Connectors.Should().Equal(lmbs.Select(l => l.Index));
    }

    [Fact]
    public void PciAdd_HotPlugThenGuestUnisolatesAndConfigures_EndsConfiguredWithIndicatorInactive()
    {
        using var machine = new Machine();
        var pci = machine.Create(DrcType.Pci, 0x20);

        machine.HotPlug(pci, Fragments.WithChild());

        machine.Registry.GetQueuedEvents().Should().ContainSingle().Which.Should().Match<HotplugEvent>(e =>
            e.Type == HotplugType.Pci && e.Action == HotplugAction.Add && e.Index!.Value.Value == 0x4000_0020);
        pci.State.Should().Be(DrcState.PhysicalPowerOn);
        machine.Sense(pci).Should().Be((RtasStatus.Success, 1u));
        machine.Unisolate(pci).Should().Be(RtasStatus.Success);
        machine.ConfigureAll(pci).Should().Equal(
            ConfigureConnectorStatus.NextChild, ConfigureConnectorStatus.NextProperty, ConfigureConnectorStatus.NextProperty,
            ConfigureConnectorStatus.NextChild, ConfigureConnectorStatus.NextProperty, ConfigureConnectorStatus.PreviousParent, ConfigureConnectorStatus.Success);
        pci.State.Should().Be(DrcState.PhysicalConfigured);
        pci.DrIndicator.Should().Be(DrIndicator.Inactive);
    }

    [Fact]
    public void PciRemove_GuestIsolates_ReleasesAtOnce()
    {
        using var machine = new Machine();
        var pci = machine.Create(DrcType.Pci, 0x20);
        var device = machine.ColdPlug(pci);
        machine.Registry.RequestUnplug(pci.Index).Status.Should().Be(UnplugRequestStatus.Requested);
        machine.Sense(pci).Should().Be((RtasStatus.Success, 1u));

        machine.Isolate(pci).Should().Be(RtasStatus.Success);

        pci.State.Should().Be(DrcState.PhysicalPowerOn);
        pci.Device.Should().BeNull();
        machine.Notifications.Unplug.Should().ContainSingle().Which.Should().Match<UnplugEventArgs>(e => e.Outcome == UnplugOutcome.Completed && e.Device == device);
        machine.Sense(pci).Should().Be((RtasStatus.Success, 0u));
        machine.Unusable(pci).Should().Be(RtasStatus.ParameterError);
    }

    [Fact]
    public void CpuRemove_GuestRejectsByUnisolate_DeviceStaysAndRejectionNotified()
    {
        using var machine = new Machine();
        var cpu = machine.Create(DrcType.Cpu, 8);
        machine.ColdPlug(cpu);
        machine.Registry.RequestUnplug(cpu.Index, Timeout.InfiniteTimeSpan);

        machine.Unisolate(cpu).Should().Be(RtasStatus.Success);

        cpu.IsUnplugPending.Should().BeFalse();
        cpu.State.Should().Be(DrcState.LogicalConfigured);
        machine.Notifications.Unplug.Should().ContainSingle().Which.Outcome.Should().Be(UnplugOutcome.RejectedByGuest);
        machine.Isolate(cpu).Should().Be(RtasStatus.Success);
        machine.Unusable(cpu).Should().Be(RtasStatus.Success);
        cpu.Device.Should().NotBeNull();
        machine.Notifications.Unplug.Should().ContainSingle();
    }
}
