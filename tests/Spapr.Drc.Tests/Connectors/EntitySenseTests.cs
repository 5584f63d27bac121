using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Connectors;

public sealed class EntitySenseTests
{
    [Theory]
    [InlineData(DrcType.Pci, DrcState.PhysicalPowerOn, false, 0u)]
    [InlineData(DrcType.Pci, DrcState.PhysicalPowerOn, true, 1u)]
    [InlineData(DrcType.Pci, DrcState.PhysicalUnisolate, true, 1u)]
    [InlineData(DrcType.Pci, DrcState.PhysicalConfigured, true, 1u)]
    [InlineData(DrcType.Cpu, DrcState.LogicalUnusable, false, 2u)]
    [InlineData(DrcType.Cpu, DrcState.LogicalUnusable, true, 2u)]
    [InlineData(DrcType.Lmb, DrcState.LogicalUnusable, true, 2u)]
    [InlineData(DrcType.Cpu, DrcState.LogicalAvailable, true, 1u)]
    [InlineData(DrcType.Cpu, DrcState.LogicalUnisolate, true, 1u)]
    [InlineData(DrcType.Cpu, DrcState.LogicalConfigured, true, 1u)]
    [InlineData(DrcType.Phb, DrcState.LogicalConfigured, true, 1u)]
    [InlineData(DrcType.Pmem, DrcState.LogicalUnusable, false, 2u)]
    public void GetSensorState_State_ReturnsSpecEntitySense(DrcType type, DrcState state, bool device, uint expected)
    {
        using var machine = new Machine();
        var drc = machine.InState(type, 1, state, device);

        var (status, value) = machine.Sense(drc);

        status.Should().Be(RtasStatus.Success);
        value.Should().Be(expected);
        drc.EntitySense.Should().Be((EntitySense)expected);
    }

    [Fact]
    public void GetSensorState_LogicalReleasedByGuest_IsUnusable()
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Cpu, 1, DrcState.LogicalAvailable, pending: true);

        machine.Unusable(drc).Should().Be(RtasStatus.Success);

        machine.Sense(drc).Should().Be((RtasStatus.Success, 2u));
    }

    [Fact]
    public void GetSensorState_PhysicalReleasedByGuest_IsEmpty()
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Pci, 8, DrcState.PhysicalConfigured, pending: true);

        machine.Isolate(drc).Should().Be(RtasStatus.Success);

        machine.Sense(drc).Should().Be((RtasStatus.Success, 0u));
    }
}
