using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Registry;

/// <summary>SPEC section 5, machine reset.</summary>
public sealed class ResetTests
{
    [Theory]
    [InlineData(DrcType.Cpu, DrcState.LogicalConfigured)]
    [InlineData(DrcType.Cpu, DrcState.LogicalAvailable)]
    [InlineData(DrcType.Cpu, DrcState.LogicalUnisolate)]
    [InlineData(DrcType.Lmb, DrcState.LogicalConfigured)]
    [InlineData(DrcType.Pci, DrcState.PhysicalConfigured)]
    [InlineData(DrcType.Pci, DrcState.PhysicalUnisolate)]
    public void Reset_PendingUnplug_CompletesByResetAndNotifies(DrcType type, DrcState state)
    {
        using var machine = new Machine();
        var drc = machine.InState(type, 8, state, pending: true);
        var device = drc.Device;
        machine.Notifications.Clear();

        machine.Registry.Reset();

        drc.Device.Should().BeNull();
        drc.IsUnplugPending.Should().BeFalse();
        drc.State.Should().Be(DrcClassRules.Of(drc.Class).EmptyState);
        var completed = machine.Notifications.Unplug.Should().ContainSingle().Subject;
        completed.Outcome.Should().Be(UnplugOutcome.CompletedByReset);
        completed.IsTerminal.Should().BeTrue();
        completed.Device.Should().BeSameAs(device);
        machine.Registry.GetPendingUnplugs().Should().BeEmpty();
    }

    [Theory]
    [InlineData(DrcType.Cpu, DrcState.LogicalUnusable, DrcState.LogicalConfigured)]
    [InlineData(DrcType.Cpu, DrcState.LogicalAvailable, DrcState.LogicalConfigured)]
    [InlineData(DrcType.Cpu, DrcState.LogicalUnisolate, DrcState.LogicalConfigured)]
    [InlineData(DrcType.Pci, DrcState.PhysicalPowerOn, DrcState.PhysicalConfigured)]
    [InlineData(DrcType.Pci, DrcState.PhysicalUnisolate, DrcState.PhysicalConfigured)]
    public void Reset_DeviceNotReady_GoesToReadyState(DrcType type, DrcState state, DrcState ready)
    {
        using var machine = new Machine();
        var drc = machine.InState(type, 8, state);
        var device = drc.Device;

        machine.Registry.Reset();

        drc.State.Should().Be(ready);
        drc.Device.Should().BeSameAs(device);
        machine.Notifications.Unplug.Should().BeEmpty();
    }

    [Fact]
    public void Reset_HotPluggedNeverAcquired_BecomesConfigured()
    {
        using var machine = new Machine();
        var cpu = machine.Create(DrcType.Cpu, 8);
        machine.HotPlug(cpu);

        machine.Registry.Reset();

        cpu.State.Should().Be(DrcState.LogicalConfigured);
        machine.Sense(cpu).Should().Be((RtasStatus.Success, 1u));
    }

    [Theory]
    [InlineData(DrcType.Cpu, DrcState.LogicalUnusable)]
    [InlineData(DrcType.Lmb, DrcState.LogicalUnusable)]
    [InlineData(DrcType.Pci, DrcState.PhysicalPowerOn)]
    public void Reset_EmptyConnector_StaysEmpty(DrcType type, DrcState empty)
    {
        using var machine = new Machine();
        var drc = machine.Create(type, 8);

        machine.Registry.Reset();

        drc.State.Should().Be(empty);
    }

    [Fact]
    public void Reset_ConnectorReleasedByGuest_GoesEmpty()
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Pci, 8, DrcState.PhysicalConfigured, pending: true);
        machine.Isolate(drc);

        machine.Registry.Reset();

        drc.State.Should().Be(DrcState.PhysicalPowerOn);
        drc.DrIndicator.Should().Be(DrIndicator.Inactive);
    }

    [Fact]
    public void Reset_PhysicalWithDevice_DrIndicatorActive()
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Pci, 8, DrcState.PhysicalUnisolate);
        drc.DrIndicator.Should().Be(DrIndicator.Inactive);

        machine.Registry.Reset();

        drc.DrIndicator.Should().Be(DrIndicator.Active);
    }

    [Fact]
    public void Reset_PhysicalWithoutDevice_DrIndicatorInactive()
    {
        using var machine = new Machine();
        var drc = machine.Create(DrcType.Pci, 8);
        machine.Rtas.SetIndicator(9002, drc.Index.Value, 2).Should().Be(RtasStatus.Success);

        machine.Registry.Reset();

        drc.DrIndicator.Should().Be(DrIndicator.Inactive);
    }

    [Fact]
    public void Reset_QueuedHotplugEvents_AreDropped()
    {
        using var machine = new Machine();
        machine.HotPlug(machine.Create(DrcType.Cpu, 8));
        machine.HotPlug(machine.Create(DrcType.Pci, 8));

        machine.Registry.Reset();

        machine.Registry.GetQueuedEvents().Should().BeEmpty();
        machine.Rtas.CheckException(0xFFFF_FFFF, new byte[DrcRtas.EventLogSize], out _).Should().Be(RtasStatus.NoErrorsFound);
    }

    [Fact]
    public void Reset_PhbReleaseRemovesItsPciConnectors_SweepContinuesToLaterConnectors()
    {
        using var machine = new Machine();
        var cpu = machine.InState(DrcType.Cpu, 1, DrcState.LogicalConfigured, pending: true);
        var phb = machine.InState(DrcType.Phb, 1, DrcState.LogicalConfigured, pending: true);
        var slots = machine.Registry.CreateConnectors(DrcType.Pci, 0x1_0000, 3, phb.Index);
        machine.ColdPlug(slots[0]);
        machine.ColdPlug(slots[1]);
        machine.Registry.RequestUnplug(slots[1].Index).Status.Should().Be(UnplugRequestStatus.Requested);
        var lmb = machine.Registry.CreateConnector(DrcType.Lmb, 8);
        machine.ColdPlug(lmb);
        machine.Registry.RequestUnplug(lmb.Index).Status.Should().Be(UnplugRequestStatus.Requested);
        var pmem = machine.InState(DrcType.Pmem, 0, DrcState.LogicalAvailable);
        machine.Notifications.Clear();
        int before = machine.Registry.Count;

        machine.Registry.Reset();

        slots.Where(s => machine.Registry.TryGet(s.Index, out _)).Should().BeEmpty();
        machine.Registry.Count.Should().Be(before - 3);
        new[] { cpu, phb, lmb }.Should().OnlyContain(d => d.Device == null && !d.IsUnplugPending && d.State == DrcState.LogicalUnusable);
        pmem.State.Should().Be(DrcState.LogicalConfigured);
        machine.Notifications.Unplug.Select(n => (n.Index, n.Outcome)).Should().Equal(
            (cpu.Index, UnplugOutcome.CompletedByReset),
            (phb.Index, UnplugOutcome.CompletedByReset),
            (slots[0].Index, UnplugOutcome.RemovedWithOwner),
            (slots[1].Index, UnplugOutcome.RemovedWithOwner),
            (lmb.Index, UnplugOutcome.CompletedByReset));
        machine.Registry.GetPendingUnplugs().Should().BeEmpty();
        machine.Registry.AssertInvariants();
    }

    [Fact]
    public void GuestRelease_Phb_RemovesItsPciConnectors()
    {
        using var machine = new Machine();
        var phb = machine.InState(DrcType.Phb, 1, DrcState.LogicalConfigured, pending: true);
        var slots = machine.Registry.CreateConnectors(DrcType.Pci, 0x1_0000, 2, phb.Index);
        var other = machine.Create(DrcType.Pci, 8);

        machine.Isolate(phb).Should().Be(RtasStatus.Success);
        machine.Unusable(phb).Should().Be(RtasStatus.Success);

        slots.Where(s => machine.Registry.TryGet(s.Index, out _)).Should().BeEmpty();
        machine.Registry.TryGet(other.Index, out _).Should().BeTrue();
        machine.Rtas.SetIndicator(9001, slots[0].Index.Value, 1).Should().Be(RtasStatus.ParameterError);
    }
}
