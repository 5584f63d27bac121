using System.Buffers.Binary;
using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Rtas;

/// <summary>SPEC section 4, ibm,configure-connector status codes.</summary>
public sealed class ConfigureConnectorStatusTests
{
    [Theory]
    [InlineData(0xDEAD_BEEFu)]
    [InlineData(0x1000_0007u)]
    [InlineData(0u)]
    public void ConfigureConnector_UnknownIndex_IsMinusThree(uint index)
    {
        using var machine = new Machine();
        machine.InState(DrcType.Cpu, 1, DrcState.LogicalUnisolate);

        machine.ConfigureStep(index, new byte[DrcRtas.WorkAreaSize]).Should().Be(ConfigureConnectorStatus.ParameterError);
    }

    [Theory]
    [InlineData(DrcType.Cpu, DrcState.LogicalUnusable, false)]
    [InlineData(DrcType.Cpu, DrcState.LogicalUnusable, true)]
    [InlineData(DrcType.Cpu, DrcState.LogicalAvailable, true)]
    [InlineData(DrcType.Lmb, DrcState.LogicalUnusable, false)]
    [InlineData(DrcType.Lmb, DrcState.LogicalAvailable, true)]
    [InlineData(DrcType.Pci, DrcState.PhysicalPowerOn, false)]
    [InlineData(DrcType.Pci, DrcState.PhysicalPowerOn, true)]
    public void ConfigureConnector_NotUnisolatedOrConfigured_IsNotConfigurable(DrcType type, DrcState state, bool device)
    {
        using var machine = new Machine();
        var drc = machine.InState(type, 8, state, device);

        machine.ConfigureStep(drc.Index.Value, new byte[DrcRtas.WorkAreaSize]).Should().Be(ConfigureConnectorStatus.NotConfigurable);

        ((int)ConfigureConnectorStatus.NotConfigurable).Should().Be(-9003);
        drc.State.Should().Be(state);
    }

    [Theory]
    [InlineData(DrcType.Cpu, DrcState.LogicalUnisolate)]
    [InlineData(DrcType.Cpu, DrcState.LogicalConfigured)]
    [InlineData(DrcType.Pci, DrcState.PhysicalUnisolate)]
    [InlineData(DrcType.Pci, DrcState.PhysicalConfigured)]
    public void ConfigureConnector_UnisolatedOrConfigured_HandsOutFragmentAndEndsConfigured(DrcType type, DrcState state)
    {
        using var machine = new Machine();
        var drc = machine.InState(type, 8, state);

        machine.ConfigureAll(drc).Should().Equal(ConfigureConnectorStatus.NextChild, ConfigureConnectorStatus.NextProperty, ConfigureConnectorStatus.Success);

        drc.State.Should().Be(DrcClassRules.Of(drc.Class).ReadyState);
    }

    [Theory]
    [InlineData(DrcType.Cpu)]
    [InlineData(DrcType.Pci)]
    public void ConfigureConnector_NoFragment_IsHardwareErrorAndUnchanged(DrcType type)
    {
        using var machine = new Machine();
        var drc = machine.Create(type, 8);
        machine.Registry.Attach(drc.Index, new TestDevice("dev"), fragment: null, PlugMode.Hot);
        if (type == DrcType.Cpu)
        {
            machine.Usable(drc).Should().Be(RtasStatus.Success);
        }

        machine.Unisolate(drc).Should().Be(RtasStatus.Success);
        var before = drc.State;

        machine.ConfigureStep(drc.Index.Value, new byte[DrcRtas.WorkAreaSize]).Should().Be(ConfigureConnectorStatus.HardwareError);

        drc.State.Should().Be(before);
    }

    [Fact]
    public void ConfigureConnector_ColdPlugWithoutFragment_IsHardwareError()
    {
        using var machine = new Machine();
        var drc = machine.Create(DrcType.Cpu, 8);
        machine.Registry.Attach(drc.Index, new TestDevice("dev"), fragment: null, PlugMode.Cold);

        machine.ConfigureStep(drc.Index.Value, new byte[DrcRtas.WorkAreaSize]).Should().Be(ConfigureConnectorStatus.HardwareError);
    }

    [Fact]
    public void ConfigureConnector_LmbWithUnplugPending_RollsBackTheMemoryDeviceThenContinues()
    {
        using var machine = new Machine();
        var lmbs = machine.Registry.CreateConnectors(DrcType.Lmb, 8, 2);
        machine.Registry.AttachMemoryDevice(lmbs[0].Index, 2, new TestDevice("dimm1"), _ => Fragments.Simple(), PlugMode.Cold);
        machine.Registry.RequestUnplug(lmbs[0].Index).Status.Should().Be(UnplugRequestStatus.Requested);

        machine.ConfigureStep(lmbs[1].Index.Value, new byte[DrcRtas.WorkAreaSize]).Should().Be(ConfigureConnectorStatus.NextChild);

        lmbs.Should().OnlyContain(l => !l.IsUnplugPending && l.Device != null);
        machine.Notifications.Unplug.Should().ContainSingle().Which.Outcome.Should().Be(UnplugOutcome.RejectedByGuest);
    }

    [Fact]
    public void ConfigureConnector_CpuWithUnplugPending_KeepsTheRequest()
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Cpu, 1, DrcState.LogicalConfigured, pending: true);

        machine.ConfigureAll(drc).Last().Should().Be(ConfigureConnectorStatus.Success);

        drc.IsUnplugPending.Should().BeTrue();
        machine.Notifications.Unplug.Should().BeEmpty();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(19)]
    public void ConfigureConnector_WorkAreaShorterThanHeader_IsMinusThree(int length)
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Cpu, 1, DrcState.LogicalUnisolate);
        var wa = new byte[length];
        if (length >= 4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(wa, drc.Index.Value);
        }

        machine.Rtas.ConfigureConnector(wa).Should().Be(ConfigureConnectorStatus.ParameterError);

        drc.State.Should().Be(DrcState.LogicalUnisolate);
    }
}
