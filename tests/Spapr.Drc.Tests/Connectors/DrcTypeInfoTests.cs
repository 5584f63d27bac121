namespace Spapr.Drc.Tests.Connectors;

public sealed class DrcTypeInfoTests
{
    [Theory]
    [InlineData(DrcType.Cpu, 8u, "CPU 8")]
    [InlineData(DrcType.Phb, 0u, "PHB 0")]
    [InlineData(DrcType.Pci, 32u, "C32")]
    [InlineData(DrcType.Lmb, 16u, "LMB 16")]
    [InlineData(DrcType.Pmem, 3u, "PMEM 3")]
    [InlineData(DrcType.Lmb, 0x0FFF_FFFFu, "LMB 268435455")]
    public void NameOf_Index_IsPrefixAndDecimalId(DrcType type, uint id, string expected)
    {
        DrcTypeInfo.NameOf(DrcIndex.From(type, id)).Should().Be(expected);
    }

    [Fact]
    public void NameOf_UnknownTypeNibble_Throws()
    {
        var act = () => DrcTypeInfo.NameOf(new DrcIndex(0x3000_0001));

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Theory]
    [InlineData(DrcType.Cpu, "CPU")]
    [InlineData(DrcType.Phb, "PHB")]
    [InlineData(DrcType.Pci, "28")]
    [InlineData(DrcType.Lmb, "MEM")]
    [InlineData(DrcType.Pmem, "PMEM")]
    public void DeviceTreeTypeOf_Type_IsSpecString(DrcType type, string expected)
    {
        DrcTypeInfo.DeviceTreeTypeOf(type).Should().Be(expected);
    }

    [Fact]
    public void DeviceTreeTypeOf_Vio_Throws()
    {
        var act = () => DrcTypeInfo.DeviceTreeTypeOf(DrcType.Vio);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Theory]
    [InlineData(DrcType.Cpu, 0x002u)]
    [InlineData(DrcType.Phb, 0x004u)]
    [InlineData(DrcType.Pci, 0x010u)]
    [InlineData(DrcType.Lmb, 0x100u)]
    [InlineData(DrcType.Pmem, 0x200u)]
    public void MaskOf_Type_IsOneShiftedByTypeShift(DrcType type, uint expected)
    {
        DrcTypeInfo.MaskOf(type).Should().Be(expected);
    }

    [Theory]
    [InlineData(DrcType.Cpu, DrcClass.Logical)]
    [InlineData(DrcType.Phb, DrcClass.Logical)]
    [InlineData(DrcType.Pci, DrcClass.Physical)]
    [InlineData(DrcType.Lmb, DrcClass.Logical)]
    [InlineData(DrcType.Pmem, DrcClass.Logical)]
    public void ClassOf_Type_IsSpecClass(DrcType type, DrcClass expected)
    {
        DrcTypeInfo.ClassOf(type).Should().Be(expected);
    }

    [Theory]
    [InlineData(DrcClass.Logical, DrcState.LogicalUnusable, DrcState.LogicalConfigured)]
    [InlineData(DrcClass.Physical, DrcState.PhysicalPowerOn, DrcState.PhysicalConfigured)]
    public void EmptyAndReadyStateOf_Class_AreSpecStates(DrcClass drcClass, DrcState empty, DrcState ready)
    {
        DrcTypeInfo.EmptyStateOf(drcClass).Should().Be(empty);
        DrcTypeInfo.ReadyStateOf(drcClass).Should().Be(ready);
    }

    [Fact]
    public void DrcState_Values_AreSpecNumbers()
    {
        new[]
        {
            (int)DrcState.Invalid, (int)DrcState.LogicalUnusable, (int)DrcState.LogicalAvailable, (int)DrcState.LogicalUnisolate,
            (int)DrcState.LogicalConfigured, (int)DrcState.PhysicalAvailable, (int)DrcState.PhysicalPowerOn,
            (int)DrcState.PhysicalUnisolate, (int)DrcState.PhysicalConfigured,
        }.Should().Equal(0, 1, 2, 3, 4, 5, 6, 7, 8);
    }

    [Fact]
    public void IndicatorAndSenseValues_AreSpecNumbers()
    {
        new[] { (int)DrIndicator.Inactive, (int)DrIndicator.Active, (int)DrIndicator.Identify, (int)DrIndicator.Action }.Should().Equal(0, 1, 2, 3);
        new[] { (uint)EntitySense.Empty, (uint)EntitySense.Present, (uint)EntitySense.Unusable, (uint)EntitySense.Exchange, (uint)EntitySense.Recover }.Should().Equal(0u, 1u, 2u, 3u, 4u);
        new[] { (int)RtasStatus.Success, (int)RtasStatus.NoErrorsFound, (int)RtasStatus.HardwareError, (int)RtasStatus.Busy, (int)RtasStatus.ParameterError, (int)RtasStatus.NotAuthorized }
            .Should().Equal(0, 1, -1, -2, -3, -9002);
        new[] { (int)ConfigureConnectorStatus.Success, (int)ConfigureConnectorStatus.NextSibling, (int)ConfigureConnectorStatus.NextChild, (int)ConfigureConnectorStatus.NextProperty, (int)ConfigureConnectorStatus.PreviousParent, (int)ConfigureConnectorStatus.HardwareError, (int)ConfigureConnectorStatus.ParameterError, (int)ConfigureConnectorStatus.NotConfigurable }
            .Should().Equal(0, 1, 2, 3, 4, -1, -3, -9003);
    }

    [Theory]
    [InlineData(DrcType.Cpu, 8u, "CPU 8", DrcClass.Logical)]
    [InlineData(DrcType.Pci, 32u, "C32", DrcClass.Physical)]
    [InlineData(DrcType.Lmb, 16u, "LMB 16", DrcClass.Logical)]
    public void CreateConnector_Type_HasSpecNameClassAndEmptyState(DrcType type, uint id, string name, DrcClass drcClass)
    {
        using var registry = new DrcRegistry();

        var drc = registry.CreateConnector(type, id);

        drc.Name.Should().Be(name);
        drc.Class.Should().Be(drcClass);
        drc.State.Should().Be(DrcTypeInfo.EmptyStateOf(drcClass));
        drc.Index.Should().Be(DrcIndex.From(type, id));
    }
}
