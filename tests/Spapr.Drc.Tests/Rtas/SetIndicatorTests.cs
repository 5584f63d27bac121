using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Rtas;

/// <summary>SPEC section 4, set-indicator.</summary>
public sealed class SetIndicatorTests
{
    private const uint UnknownIndex = 0xDEAD_BEEF;
    private const uint MissingCpu = 0x1000_0007;

    [Theory]
    [InlineData(9001u, 0u)]
    [InlineData(9001u, 1u)]
    [InlineData(9002u, 1u)]
    [InlineData(9003u, 0u)]
    [InlineData(9003u, 1u)]
    public void SetIndicator_UnknownIndex_IsParameterError(uint indicator, uint value)
    {
        using var machine = new Machine();
        machine.Create(DrcType.Cpu, 1);

        machine.Rtas.SetIndicator(indicator, UnknownIndex, value).Should().Be(RtasStatus.ParameterError);
        machine.Rtas.SetIndicator(indicator, MissingCpu, value).Should().Be(RtasStatus.ParameterError);
    }

    [Theory]
    [InlineData(2u)]
    [InlineData(3u)]
    [InlineData(0xFFFF_FFFFu)]
    public void SetIndicator_IsolationValueNotZeroOrOne_IsParameterErrorAndUnchanged(uint value)
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Cpu, 1, DrcState.LogicalAvailable);

        machine.Rtas.SetIndicator(9001, drc.Index.Value, value).Should().Be(RtasStatus.ParameterError);

        drc.State.Should().Be(DrcState.LogicalAvailable);
    }

    [Theory]
    [InlineData(2u)]
    [InlineData(3u)]
    [InlineData(7u)]
    public void SetIndicator_AllocationExchangeRecoverOrOther_IsParameterErrorAndUnchanged(uint value)
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Cpu, 1, DrcState.LogicalUnusable);

        machine.Rtas.SetIndicator(9003, drc.Index.Value, value).Should().Be(RtasStatus.ParameterError);

        drc.State.Should().Be(DrcState.LogicalUnusable);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    public void SetIndicator_AllocationOnPhysical_IsParameterError(uint value)
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Pci, 8, DrcState.PhysicalConfigured);

        machine.Rtas.SetIndicator(9003, drc.Index.Value, value).Should().Be(RtasStatus.ParameterError);

        drc.State.Should().Be(DrcState.PhysicalConfigured);
    }

    [Theory]
    [InlineData(DrcType.Cpu, 0u)]
    [InlineData(DrcType.Cpu, 1u)]
    [InlineData(DrcType.Lmb, 1u)]
    [InlineData(DrcType.Phb, 3u)]
    public void SetIndicator_DrIndicatorOnLogical_IsParameterError(DrcType type, uint value)
    {
        using var machine = new Machine();
        var drc = machine.InState(type, 1, DrcState.LogicalConfigured);

        machine.Rtas.SetIndicator(9002, drc.Index.Value, value).Should().Be(RtasStatus.ParameterError);

        drc.DrIndicator.Should().Be(DrIndicator.Inactive);
    }

    [Theory]
    [InlineData(0u, DrIndicator.Inactive)]
    [InlineData(1u, DrIndicator.Active)]
    [InlineData(2u, DrIndicator.Identify)]
    [InlineData(3u, DrIndicator.Action)]
    public void SetIndicator_DrIndicatorValueOnPhysical_IsStored(uint value, DrIndicator expected)
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Pci, 8, DrcState.PhysicalConfigured);

        machine.Rtas.SetIndicator(9002, drc.Index.Value, value).Should().Be(RtasStatus.Success);

        drc.DrIndicator.Should().Be(expected);
        drc.State.Should().Be(DrcState.PhysicalConfigured);
    }

    [Fact]
    public void SetIndicator_DrIndicatorOnEmptyPhysical_IsStored()
    {
        using var machine = new Machine();
        var drc = machine.Create(DrcType.Pci, 0x20);

        machine.Rtas.SetIndicator(9002, drc.Index.Value, 1).Should().Be(RtasStatus.Success);

        drc.DrIndicator.Should().Be(DrIndicator.Active);
    }

    [Theory]
    [InlineData(4u)]
    [InlineData(0xFFFF_FFFFu)]
    public void SetIndicator_DrIndicatorValueOver3_IsParameterErrorAndUnchanged(uint value)
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Pci, 8, DrcState.PhysicalConfigured);

        machine.Rtas.SetIndicator(9002, drc.Index.Value, value).Should().Be(RtasStatus.ParameterError);

        drc.DrIndicator.Should().Be(DrIndicator.Active);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(9000u)]
    [InlineData(9004u)]
    [InlineData(9999u)]
    public void SetIndicator_OtherIndicatorType_IsParameterError(uint indicator)
    {
        using var machine = new Machine();
        var cpu = machine.InState(DrcType.Cpu, 1, DrcState.LogicalConfigured);
        var pci = machine.InState(DrcType.Pci, 8, DrcState.PhysicalConfigured);

        machine.Rtas.SetIndicator(indicator, cpu.Index.Value, 0).Should().Be(RtasStatus.ParameterError);
        machine.Rtas.SetIndicator(indicator, pci.Index.Value, 0).Should().Be(RtasStatus.ParameterError);

        cpu.State.Should().Be(DrcState.LogicalConfigured);
        pci.State.Should().Be(DrcState.PhysicalConfigured);
    }

    [Fact]
    public void SetIndicatorCells_ThreeArgsOneRet_SameAsTyped()
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Cpu, 1, DrcState.LogicalUnusable);
        var rets = new uint[1];

        machine.Rtas.SetIndicator([9003u, drc.Index.Value, 1u], rets);

        rets[0].Should().Be(0u);
        drc.State.Should().Be(DrcState.LogicalAvailable);
    }

    [Fact]
    public void SetIndicatorCells_Refusal_IsMinusThreeAsUnsignedCell()
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Cpu, 1, DrcState.LogicalUnisolate);
        var rets = new uint[1];

        machine.Rtas.SetIndicator([9001u, drc.Index.Value, 0u], rets);

        rets[0].Should().Be(0xFFFF_FFFDu);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(4)]
    public void SetIndicatorCells_WrongNargs_IsParameterErrorAndNothingChanges(int nargs)
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Cpu, 1, DrcState.LogicalUnusable);
        uint[] all = [9003u, drc.Index.Value, 1u, 0u];
        var rets = new uint[1];

        machine.Rtas.SetIndicator(all.AsSpan(0, nargs), rets);

        rets[0].Should().Be(0xFFFF_FFFDu);
        drc.State.Should().Be(DrcState.LogicalUnusable);
    }

    [Fact]
    public void SetIndicatorCells_TwoRets_FirstIsMinusThreeSecondUntouched()
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Cpu, 1, DrcState.LogicalUnusable);
        uint[] rets = [0xA5A5_A5A5, 0xA5A5_A5A5];

        machine.Rtas.SetIndicator([9003u, drc.Index.Value, 1u], rets);

        rets.Should().Equal(0xFFFF_FFFDu, 0xA5A5_A5A5u);
        drc.State.Should().Be(DrcState.LogicalUnusable);
    }

    [Fact]
    public void SetIndicatorCells_NoRets_DoesNotThrowOrChange()
    {
        using var machine = new Machine();
        var drc = machine.InState(DrcType.Cpu, 1, DrcState.LogicalUnusable);

        var act = () => machine.Rtas.SetIndicator([9003u, drc.Index.Value, 1u], Span<uint>.Empty);

        act.Should().NotThrow();
        drc.State.Should().Be(DrcState.LogicalUnusable);
    }
}
