using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>SPEC section 6: timeouts per type, their defaults, and the validation of options and per-request overrides.</summary>
public sealed class UnplugOptionsTests
{
    public static TheoryData<TimeSpan> InvalidTimeouts => new()
    {
        TimeSpan.Zero,
        TimeSpan.FromTicks(-1),
        TimeSpan.FromSeconds(-1),
        TimeSpan.FromMilliseconds(-2),
        TimeSpan.FromMilliseconds(0xFFFF_FFFEL) + TimeSpan.FromTicks(1),
        TimeSpan.FromMilliseconds(0xFFFF_FFFFL),
        TimeSpan.MaxValue,
    };

    public static TheoryData<TimeSpan> ValidTimeouts => new()
    {
        TimeSpan.FromTicks(1),
        TimeSpan.FromSeconds(1),
        TimeSpan.FromMilliseconds(0xFFFF_FFFEL),
        Timeout.InfiniteTimeSpan,
    };

    [Fact]
    public void Defaults_Cpu_Is15Seconds()
    {
        new DrcOptions().GetUnplugTimeout(DrcType.Cpu).Should().Be(TimeSpan.FromSeconds(15));
        DrcOptions.DefaultCpuUnplugTimeout.Should().Be(TimeSpan.FromSeconds(15));
    }

    [Theory]
    [InlineData(DrcType.Phb)]
    [InlineData(DrcType.Pci)]
    public void Defaults_PhbAndPci_AreInfinite(DrcType type)
    {
        new DrcOptions().GetUnplugTimeout(type).Should().Be(Timeout.InfiniteTimeSpan);
    }

    [Theory]
    [InlineData(DrcType.Lmb)]
    [InlineData(DrcType.Pmem)]
    public void Defaults_Memory_AreTwoMinutes(DrcType type)
    {
        new DrcOptions().GetUnplugTimeout(type).Should().Be(TimeSpan.FromMinutes(2)).And.Be(DrcOptions.DefaultMemoryUnplugTimeout);
    }

    [Fact]
    public void MaxUnplugTimeout_IsWhatATimerAccepts()
    {
        DrcOptions.MaxUnplugTimeout.Should().Be(TimeSpan.FromMilliseconds(0xFFFF_FFFE));
    }

    [Theory]
    [MemberData(nameof(InvalidTimeouts))]
    public void SetUnplugTimeout_Invalid_ThrowsArgumentOutOfRange(TimeSpan timeout)
    {
        var act = () => new DrcOptions().SetUnplugTimeout(DrcType.Cpu, timeout);

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("timeout");
    }

    [Theory]
    [MemberData(nameof(ValidTimeouts))]
    public void SetUnplugTimeout_Valid_IsStored(TimeSpan timeout)
    {
        var options = new DrcOptions().SetUnplugTimeout(DrcType.Lmb, timeout);

        options.GetUnplugTimeout(DrcType.Lmb).Should().Be(timeout);
    }

    [Theory]
    [InlineData(DrcType.Vio)]
    [InlineData((DrcType)5)]
    public void SetUnplugTimeout_TypeWithoutConnectors_ThrowsArgumentOutOfRange(DrcType type)
    {
        var act = () => new DrcOptions().SetUnplugTimeout(type, TimeSpan.FromSeconds(1));

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Theory]
    [MemberData(nameof(InvalidTimeouts))]
    public void RequestUnplug_InvalidOverride_ThrowsArgumentOutOfRangeAndChangesNothing(TimeSpan timeout)
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);

        var act = () => machine.Registry.RequestUnplug(cpu, timeout);

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("timeout");
        machine.Registry[cpu].IsUnplugPending.Should().BeFalse();
        machine.RemoveEvents().Should().BeEmpty();
    }

    [Fact]
    public void RequestUnplug_OverrideLongerThanDefault_FiresAtTheOverride()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);

        var result = machine.Registry.RequestUnplug(cpu, TimeSpan.FromSeconds(40));
        machine.Clock.Advance(TimeSpan.FromSeconds(39));
        int before = machine.Notifications.TimedOut.Count;
        machine.Clock.Advance(TimeSpan.FromSeconds(1));

        result.TimeRemaining.Should().Be(TimeSpan.FromSeconds(40));
        before.Should().Be(0);
        machine.Notifications.TimedOut.Should().ContainSingle();
    }

    [Fact]
    public void RequestUnplug_InfiniteOverrideForCpu_NeverTimesOut()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);

        var result = machine.Registry.RequestUnplug(cpu, Timeout.InfiniteTimeSpan);
        machine.Clock.Advance(TimeSpan.FromDays(60));

        result.TimeRemaining.Should().Be(Timeout.InfiniteTimeSpan);
        machine.Notifications.TimedOut.Should().BeEmpty();
        machine.Registry[cpu].UnplugDeadline.Should().BeNull();
    }

    [Fact]
    public void Options_ChangedAfterRegistryCreated_DoNotAffectIt()
    {
        var options = new DrcOptions();
        using var machine = new Machine(options);
        var registry = machine.Registry;

        options.SetUnplugTimeout(DrcType.Cpu, TimeSpan.FromSeconds(1));
        options.TimeoutPolicy = UnplugTimeoutPolicy.ClearRequest;

        registry.GetUnplugTimeout(DrcType.Cpu).Should().Be(TimeSpan.FromSeconds(15));
        registry.TimeoutPolicy.Should().Be(UnplugTimeoutPolicy.KeepPending);
    }

    [Fact]
    public void GetUnplugTimeout_Registry_ReflectsOptions()
    {
        using var machine = new Machine(new DrcOptions().SetUnplugTimeout(DrcType.Lmb, TimeSpan.FromSeconds(90)));
        var registry = machine.Registry;

        registry.GetUnplugTimeout(DrcType.Lmb).Should().Be(TimeSpan.FromSeconds(90));
        registry.GetUnplugTimeout(DrcType.Cpu).Should().Be(TimeSpan.FromSeconds(15));
    }
}
