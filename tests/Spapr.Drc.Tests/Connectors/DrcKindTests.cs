using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Connectors;

/// <summary>The class table pins every per-type fact of SPEC sections 1-6, row by row.</summary>
public sealed class DrcKindTests
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
        DrcKind.NameOf(DrcIndex.From(type, id)).Should().Be(expected);
    }

    [Fact]
    public void NameOf_DefaultIndex_NamesNoType()
    {
        DrcKind.NameOf(default).Should().Be("connector 0x00000000");
    }

    [Theory]
    [InlineData(DrcType.Cpu, "CPU", "CPU ")]
    [InlineData(DrcType.Phb, "PHB", "PHB ")]
    [InlineData(DrcType.Pci, "28", "C")]
    [InlineData(DrcType.Lmb, "MEM", "LMB ")]
    [InlineData(DrcType.Pmem, "PMEM", "PMEM ")]
    public void Row_Type_HasSpecStrings(DrcType type, string deviceTreeType, string prefix)
    {
        DrcKind.Of(type).DeviceTreeType.Should().Be(deviceTreeType);
        DrcKind.Of(type).NamePrefix.Should().Be(prefix);
    }

    [Theory]
    [InlineData(DrcType.Vio)]
    [InlineData((DrcType)0)]
    [InlineData((DrcType)5)]
    [InlineData((DrcType)15)]
    [InlineData((DrcType)16)]
    public void Of_VioOrUnknown_Throws(DrcType type)
    {
        var act = () => DrcKind.Of(type);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Theory]
    [InlineData(DrcType.Cpu, DrcTypeMask.Cpu, 0x002u)]
    [InlineData(DrcType.Phb, DrcTypeMask.Phb, 0x004u)]
    [InlineData(DrcType.Pci, DrcTypeMask.Pci, 0x010u)]
    [InlineData(DrcType.Lmb, DrcTypeMask.Lmb, 0x100u)]
    [InlineData(DrcType.Pmem, DrcTypeMask.Pmem, 0x200u)]
    public void Mask_Type_IsOneShiftedByTypeShift(DrcType type, DrcTypeMask mask, uint value)
    {
        DrcKind.Of(type).Mask.Should().Be(mask);
        ((uint)mask).Should().Be(value);
        DrcKind.Of(type).Shift.Should().Be((int)type);
    }

    [Fact]
    public void DrcTypeMaskAll_IsEveryType()
    {
        ((uint)DrcTypeMask.All).Should().Be(0x316u);
    }

    [Theory]
    [InlineData(DrcType.Cpu, DrcClass.Logical, DrcState.LogicalUnusable, DrcState.LogicalConfigured)]
    [InlineData(DrcType.Phb, DrcClass.Logical, DrcState.LogicalUnusable, DrcState.LogicalConfigured)]
    [InlineData(DrcType.Pci, DrcClass.Physical, DrcState.PhysicalPowerOn, DrcState.PhysicalConfigured)]
    [InlineData(DrcType.Lmb, DrcClass.Logical, DrcState.LogicalUnusable, DrcState.LogicalConfigured)]
    [InlineData(DrcType.Pmem, DrcClass.Logical, DrcState.LogicalUnusable, DrcState.LogicalConfigured)]
    public void Row_Type_HasSpecClassAndStates(DrcType type, DrcClass drcClass, DrcState empty, DrcState ready)
    {
        var rules = DrcKind.Of(type).Rules;
        rules.Class.Should().Be(drcClass);
        rules.EmptyState.Should().Be(empty);
        rules.ReadyState.Should().Be(ready);
    }

    [Theory]
    [InlineData(DrcType.Cpu, HotplugType.Cpu, 1)]
    [InlineData(DrcType.Lmb, HotplugType.Memory, 2)]
    [InlineData(DrcType.Phb, HotplugType.Phb, 4)]
    [InlineData(DrcType.Pci, HotplugType.Pci, 5)]
    [InlineData(DrcType.Pmem, HotplugType.Pmem, 6)]
    public void Row_Type_HasSpecHotplugType(DrcType type, HotplugType hotplugType, int value)
    {
        DrcKind.Of(type).HotplugType.Should().Be(hotplugType);
        ((int)hotplugType).Should().Be(value);
    }

    [Fact]
    public void Rows_DefaultTimeouts_AreCpu15SecondsMemory2MinutesAndNoneForPci()
    {
        // CPU as SPEC section 6; LMB and PMEM 2 minutes, our deliberate difference (DrcOptions.DefaultMemoryUnplugTimeout:
        // a real guest that cannot offline a DIMM's first LMB never calls, so only a timeout reports it).
        DrcKind.All.Select(k => (k.Type, k.DefaultTimeout)).Should().Equal(
            (DrcType.Cpu, TimeSpan.FromSeconds(15)),
            (DrcType.Phb, Timeout.InfiniteTimeSpan),
            (DrcType.Pci, Timeout.InfiniteTimeSpan),
            (DrcType.Lmb, TimeSpan.FromMinutes(2)),
            (DrcType.Pmem, TimeSpan.FromMinutes(2)));
    }

    [Fact]
    public void Rows_DeviceRules_AreWhereSpecPutsThem()
    {
        // Each behaviour flag is set on exactly the rows SPEC section 5 and 6 name.
        DrcKind.All.Where(k => k.DeviceSpansConnectors).Select(k => k.Type).Should().Equal(DrcType.Lmb);
        DrcKind.All.Where(k => k.GuestIsolateNeedsRequest).Select(k => k.Type).Should().Equal(DrcType.Lmb);
        DrcKind.All.Where(k => k.ReconfigureRejectsUnplug).Select(k => k.Type).Should().Equal(DrcType.Lmb);
        DrcKind.All.Where(k => k.EventsNameRuns).Select(k => k.Type).Should().Equal(DrcType.Lmb);
        DrcKind.All.Where(k => k.FunctionsPerSlot > 0).Select(k => (k.Type, k.FunctionsPerSlot)).Should().Equal((DrcType.Pci, 8));
        DrcKind.All.Where(k => k.ReleaseRemovesOwnedConnectors).Select(k => k.Type).Should().Equal(DrcType.Phb);
        DrcKind.All.Where(k => k.RepeatResendsRemove).Select(k => k.Type).Should().Equal(DrcType.Cpu);
        DrcKind.All.Where(k => k.HasBootDevice).Select(k => k.Type).Should().Equal(DrcType.Cpu);
        DrcKind.All.Where(k => k.AllowedOwners != DrcTypeMask.None).Select(k => (k.Type, k.AllowedOwners)).Should().Equal((DrcType.Pci, DrcTypeMask.Phb | DrcTypeMask.Pci));
    }

    [Theory]
    [InlineData(DrcClass.Logical, DrcIndicatorCase.WithDevice, DrIndicator.Inactive)]
    [InlineData(DrcClass.Logical, DrcIndicatorCase.Empty, DrIndicator.Inactive)]
    [InlineData(DrcClass.Physical, DrcIndicatorCase.WithDevice, DrIndicator.Active)]
    [InlineData(DrcClass.Physical, DrcIndicatorCase.Empty, DrIndicator.Inactive)]
    public void ColdIndicator_ClassAndDevice_IsWhatResetGives(DrcClass drcClass, DrcIndicatorCase device, DrIndicator expected)
    {
        DrcClassRules.Of(drcClass).ColdIndicator(device == DrcIndicatorCase.WithDevice).Should().Be(expected);
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
    [InlineData(DrcType.Cpu, 8u, "CPU 8", DrcClass.Logical, DrcState.LogicalUnusable)]
    [InlineData(DrcType.Pci, 32u, "C32", DrcClass.Physical, DrcState.PhysicalPowerOn)]
    [InlineData(DrcType.Lmb, 16u, "LMB 16", DrcClass.Logical, DrcState.LogicalUnusable)]
    public void CreateConnector_Type_HasSpecNameClassAndEmptyState(DrcType type, uint id, string name, DrcClass drcClass, DrcState empty)
    {
        using var machine = new Machine();
        var registry = machine.Registry;

        var drc = registry.CreateConnector(type, id);

        drc.Name.Should().Be(name);
        drc.Class.Should().Be(drcClass);
        drc.State.Should().Be(empty);
        drc.Index.Should().Be(DrcIndex.From(type, id));
    }

    public enum DrcIndicatorCase
    {
        Empty,
        WithDevice,
    }
}
