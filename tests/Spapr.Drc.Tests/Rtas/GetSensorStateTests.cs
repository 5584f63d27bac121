using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Rtas;

/// <summary>SPEC section 4, get-sensor-state.</summary>
public sealed class GetSensorStateTests
{
    [Theory]
    [InlineData(0xDEAD_BEEFu)]
    [InlineData(0x1000_0007u)]
    [InlineData(0u)]
    public void GetSensorState_UnknownIndex_IsMinusThreeAndZero(uint index)
    {
        using var machine = new Machine();
        machine.InState(DrcType.Cpu, 1, DrcState.LogicalConfigured);

        var status = machine.Rtas.GetSensorState(9003, index, out var value);

        status.Should().Be(RtasStatus.ParameterError);
        value.Should().Be(0u);
    }

    [Theory]
    [InlineData(9001u)]
    [InlineData(9002u)]
    [InlineData(9999u)]
    [InlineData(0u)]
    public void GetSensorState_SensorOtherThanEntitySense_IsMinusThreeAndZero(uint sensor)
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Cpu, 1, DrcState.LogicalConfigured);

        var status = machine.Rtas.GetSensorState(sensor, drc.Index.Value, out var value);

        status.Should().Be(RtasStatus.ParameterError);
        value.Should().Be(0u);
    }

    [Fact]
    public void GetSensorStateCells_TwoArgsTwoRets_StatusThenSense()
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Cpu, 1, DrcState.LogicalUnusable);
        uint[] rets = [0xA5A5_A5A5, 0xA5A5_A5A5];

        machine.Rtas.GetSensorState([9003u, drc.Index.Value], rets);

        rets.Should().Equal(0u, 2u);
    }

    [Fact]
    public void GetSensorStateCells_UnknownIndex_IsMinusThreeAndZero()
    {
        using var machine = new Machine();
        uint[] rets = [0xA5A5_A5A5, 0xA5A5_A5A5];

        machine.Rtas.GetSensorState([9003u, 0xDEAD_BEEFu], rets);

        rets.Should().Equal(0xFFFF_FFFDu, 0u);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void GetSensorStateCells_WrongNargs_IsMinusThreeAndZero(int nargs)
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Cpu, 1, DrcState.LogicalConfigured);
        uint[] all = [9003u, drc.Index.Value, 0u];
        uint[] rets = [0xA5A5_A5A5, 0xA5A5_A5A5];

        machine.Rtas.GetSensorState(all.AsSpan(0, nargs), rets);

        rets.Should().Equal(0xFFFF_FFFDu, 0u);
    }

    [Fact]
    public void GetSensorStateCells_OneRet_IsMinusThree()
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Cpu, 1, DrcState.LogicalConfigured);
        uint[] rets = [0xA5A5_A5A5];

        machine.Rtas.GetSensorState([9003u, drc.Index.Value], rets);

        rets.Should().Equal(0xFFFF_FFFDu);
    }

    [Fact]
    public void GetSensorStateCells_ThreeRets_IsMinusThreeAndZero()
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Cpu, 1, DrcState.LogicalConfigured);
        uint[] rets = [0xA5A5_A5A5, 0xA5A5_A5A5, 0xA5A5_A5A5];

        machine.Rtas.GetSensorState([9003u, drc.Index.Value], rets);

        rets[0].Should().Be(0xFFFF_FFFDu);
        rets[1].Should().Be(0u);
    }
}
