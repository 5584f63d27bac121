using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Registry;

/// <summary>SPEC section 5, attach.</summary>
public sealed class AttachTests
{
    [Theory]
    [InlineData(DrcType.Cpu, DrcState.LogicalConfigured)]
    [InlineData(DrcType.Phb, DrcState.LogicalConfigured)]
    [InlineData(DrcType.Lmb, DrcState.LogicalConfigured)]
    [InlineData(DrcType.Pmem, DrcState.LogicalConfigured)]
    [InlineData(DrcType.Pci, DrcState.PhysicalConfigured)]
    public void Attach_Cold_GoesToReadyStateWithoutEvent(DrcType type, DrcState ready)
    {
        using var machine = new Machine();
        var drc = machine.Create(type, 8);

        machine.ColdPlug(drc);

        drc.State.Should().Be(ready);
        drc.Device.Should().NotBeNull();
        machine.Registry.GetQueuedEvents().Should().BeEmpty();
        machine.Notifications.All.Should().BeEmpty();
    }

    [Fact]
    public void Attach_ColdPhysical_DrIndicatorActive()
    {
        using var machine = new Machine();
        var drc = machine.Create(DrcType.Pci, 8);

        machine.ColdPlug(drc);

        drc.DrIndicator.Should().Be(DrIndicator.Active);
    }

    [Theory]
    [InlineData(DrcType.Cpu, DrcState.LogicalUnusable, HotplugType.Cpu)]
    [InlineData(DrcType.Phb, DrcState.LogicalUnusable, HotplugType.Phb)]
    [InlineData(DrcType.Pmem, DrcState.LogicalUnusable, HotplugType.Pmem)]
    [InlineData(DrcType.Pci, DrcState.PhysicalPowerOn, HotplugType.Pci)]
    public void Attach_Hot_StaysEmptyAndQueuesAddEvent(DrcType type, DrcState empty, HotplugType hotplugType)
    {
        using var machine = new Machine();
        var drc = machine.Create(type, 8);

        var device = machine.HotPlug(drc);

        drc.State.Should().Be(empty);
        drc.Device.Should().BeSameAs(device);
        var queued = machine.Registry.GetQueuedEvents().Should().ContainSingle().Subject;
        queued.Type.Should().Be(hotplugType);
        queued.Action.Should().Be(HotplugAction.Add);
        queued.Identifier.Should().Be(HotplugIdentifier.DrcIndex);
        queued.Index.Should().Be(drc.Index);
        machine.Notifications.Hotplug.Should().ContainSingle().Which.Should().Be(queued);
    }

    [Fact]
    public void Attach_HotPhysical_DrIndicatorStaysInactive()
    {
        using var machine = new Machine();
        var drc = machine.Create(DrcType.Pci, 8);

        machine.HotPlug(drc);

        drc.DrIndicator.Should().Be(DrIndicator.Inactive);
    }

    [Fact]
    public void Attach_ConnectorWithDevice_ThrowsAndChangesNothing()
    {
        using var machine = new Machine();
        var drc = machine.Create(DrcType.Cpu, 8);
        var first = machine.HotPlug(drc);

        var act = () => machine.Registry.Attach(drc.Index, new TestDevice("second"), Fragments.Simple(), PlugMode.Cold);

        act.Should().Throw<InvalidOperationException>().WithMessage("*CPU 8*already has a device*");
        drc.Device.Should().BeSameAs(first);
        drc.State.Should().Be(DrcState.LogicalUnusable);
        machine.Registry.GetQueuedEvents().Should().ContainSingle();
    }

    [Fact]
    public void TryAttach_ConnectorWithDevice_ReturnsFalseWithReason()
    {
        using var machine = new Machine();
        var drc = machine.Create(DrcType.Pci, 8);
        machine.ColdPlug(drc);

        machine.Registry.TryAttach(drc.Index, new TestDevice("second"), null, PlugMode.Hot, out var error).Should().BeFalse();

        error.Should().Contain("C8").And.Contain("already has a device");
        machine.Registry.GetQueuedEvents().Should().BeEmpty();
    }

    [Fact]
    public void Attach_MissingConnector_ThrowsNamingTheIndex()
    {
        using var machine = new Machine();

        var act = () => machine.Registry.Attach(DrcIndex.From(DrcType.Cpu, 3), new TestDevice("cpu"), null, PlugMode.Hot);

        act.Should().Throw<InvalidOperationException>().WithMessage("*No connector*0x10000003*");
    }

    [Fact]
    public void AttachMemoryDevice_OneLmbOccupied_ThrowsAndAttachesNone()
    {
        using var machine = new Machine();
        var lmbs = machine.Registry.CreateConnectors(DrcType.Lmb, 8, 3);
        machine.Registry.Attach(lmbs[2].Index, new TestDevice("other"), null, PlugMode.Cold);

        var act = () => machine.Registry.AttachMemoryDevice(lmbs[0].Index, 3, new TestDevice("dimm"), null, PlugMode.Hot);

        act.Should().Throw<InvalidOperationException>().WithMessage("*LMB 10*");
        lmbs[0].Device.Should().BeNull();
        lmbs[1].Device.Should().BeNull();
        machine.Registry.GetQueuedEvents().Should().BeEmpty();
    }

    [Fact]
    public void AttachMemoryDevice_MissingLmb_ThrowsAndAttachesNone()
    {
        using var machine = new Machine();
        var lmbs = machine.Registry.CreateConnectors(DrcType.Lmb, 8, 2);

        var act = () => machine.Registry.AttachMemoryDevice(lmbs[0].Index, 3, new TestDevice("dimm"), null, PlugMode.Cold);

        act.Should().Throw<InvalidOperationException>().WithMessage("*0x8000000A*");
        lmbs.Should().OnlyContain(l => l.Device == null && l.State == DrcState.LogicalUnusable);
    }

    [Fact]
    public void Attach_AfterGuestReleased_AcceptsANewDevice()
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Cpu, 8, DrcState.LogicalAvailable, pending: true);
        machine.Unusable(drc).Should().Be(RtasStatus.Success);

        var second = machine.HotPlug(drc);

        drc.Device.Should().BeSameAs(second);
        drc.State.Should().Be(DrcState.LogicalUnusable);
    }
}
