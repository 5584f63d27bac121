using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Devices;

/// <summary>
/// Counts and sizes are checked before anything is allocated, Try methods answer false with a reason for bad values,
/// and connector owners must exist and be allowed (findings 3 and 6 of the issue "From connectors to devices").
/// </summary>
public sealed class ArgumentTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void TryAttachMemoryDevice_CountBelowOne_IsFalseWithReason(int count)
    {
        using var machine = new Machine();
        var registry = machine.Registry;
        registry.CreateConnectors(DrcType.Lmb, 0, 4);

        registry.TryAttachMemoryDevice(DrcIndex.From(DrcType.Lmb, 0), count, "dimm", null, PlugMode.Cold, out var error).Should().BeFalse();

        error.Should().Contain("at least one");
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(50_000_000)]
    public void TryAttachMemoryDevice_HugeCount_IsFalseWithoutAllocatingForIt(int count)
    {
        using var machine = new Machine();
        var registry = machine.Registry;
        registry.CreateConnectors(DrcType.Lmb, 0, 4);
        var first = DrcIndex.From(DrcType.Lmb, 0);
        registry.TryAttachMemoryDevice(first, 2, "warm-up", null, PlugMode.Cold, out _).Should().BeTrue();

        long before = GC.GetAllocatedBytesForCurrentThread();
        bool attached = registry.TryAttachMemoryDevice(DrcIndex.From(DrcType.Lmb, 2), count, "dimm", null, PlugMode.Cold, out var error);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        attached.Should().BeFalse();
        error.Should().NotBeNullOrEmpty();
        allocated.Should().BeLessThan(64 * 1024, "the count is checked before anything is allocated for it");
    }

    [Fact]
    public void TryAttachMemoryDevice_RunPastTheLastLmbId_IsFalseWithReason()
    {
        using var machine = new Machine();
        var registry = machine.Registry;
        registry.CreateConnector(DrcType.Lmb, DrcIndex.MaxId);

        registry.TryAttachMemoryDevice(DrcIndex.From(DrcType.Lmb, DrcIndex.MaxId), 2, "dimm", null, PlugMode.Cold, out var error).Should().BeFalse();

        error.Should().Contain("LMB ids end");
    }

    [Fact]
    public void TryAttachMemoryDevice_NotAnLmb_IsFalseWithReason()
    {
        using var machine = new Machine();
        var registry = machine.Registry;
        registry.CreateConnector(DrcType.Cpu, 1);

        registry.TryAttachMemoryDevice(DrcIndex.From(DrcType.Cpu, 1), 1, "dimm", null, PlugMode.Cold, out var error).Should().BeFalse();

        error.Should().Contain("not an LMB connector");
    }

    /// <summary>
    /// default(DrcIndex) is 0, whose type nibble names no connector type; the fuzz corpus (afl-cov-040, -051, -077)
    /// found TryAttachMemoryDevice throwing on such an index instead of answering false.
    /// </summary>
    public static TheoryData<uint> IndexesOfNoType => new() { 0u, 0x01040000u, 0xFDFCFE1Bu, 0xDEFCFCE2u };

    [Theory]
    [MemberData(nameof(IndexesOfNoType))]
    public void EveryEntryPoint_IndexThatNamesNoType_AnswersTheDocumentedWayWithoutThrowing(uint value)
    {
        using var machine = new Machine();
        var registry = machine.Registry;
        registry.CreateConnectors(DrcType.Lmb, 0, 4);
        registry.CreateConnector(DrcType.Cpu, 1);
        var index = new DrcIndex(value);

        registry.TryAttachMemoryDevice(index, 2, "dimm", null, PlugMode.Hot, out var spanError).Should().BeFalse();
        spanError.Should().Contain("not an LMB connector");
        registry.TryAttach(index, "core", null, PlugMode.Hot, out var error).Should().BeFalse();
        error.Should().NotBeNullOrEmpty();
        registry.TryGet(index, out _).Should().BeFalse();
        registry.TryGetDevice(index, out _).Should().BeFalse();
        registry.CancelUnplug(index).Should().BeFalse();
        registry.RequestUnplug(index).Status.Should().Be(UnplugRequestStatus.NoDevice);
        registry.Invoking(r => r[index]).Should().Throw<KeyNotFoundException>();
        registry.Invoking(r => r.Attach(index, "core", null, PlugMode.Hot)).Should().Throw<InvalidOperationException>();
        registry.Invoking(r => r.AttachMemoryDevice(index, 2, "dimm", null, PlugMode.Hot)).Should().Throw<InvalidOperationException>();
        registry.Rtas.SetIndicator((uint)RtasIndicator.Isolation, value, 0).Should().Be(RtasStatus.ParameterError);
        registry.Rtas.GetSensorState((uint)RtasSensor.EntitySense, value, out _).Should().Be(RtasStatus.ParameterError);
        registry.GetAttachedDevices().Should().BeEmpty("nothing was attached");
    }

    [Fact]
    public void TryAttach_UndefinedPlugMode_IsFalseWithReason()
    {
        using var machine = new Machine();
        var registry = machine.Registry;
        registry.CreateConnector(DrcType.Cpu, 1);

        registry.TryAttach(DrcIndex.From(DrcType.Cpu, 1), "core", null, (PlugMode)7, out var error).Should().BeFalse();

        error.Should().Contain("plug mode");
        registry[DrcType.Cpu, 1].Device.Should().BeNull();
    }

    [Fact]
    public void TryAttach_NullDevice_Throws()
    {
        using var machine = new Machine();
        var registry = machine.Registry;
        registry.CreateConnector(DrcType.Cpu, 1);

        var act = () => registry.TryAttach(DrcIndex.From(DrcType.Cpu, 1), null!, null, PlugMode.Cold, out _);

        act.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void CreateConnector_OwnerThatDoesNotExist_Throws()
    {
        using var machine = new Machine();
        var registry = machine.Registry;

        var act = () => registry.CreateConnector(DrcType.Pci, 8, DrcIndex.From(DrcType.Phb, 1));

        act.Should().Throw<ArgumentException>().WithParameterName("owner").WithMessage("*does not exist*");
        registry.Count.Should().Be(0);
    }

    [Theory]
    [InlineData(DrcType.Cpu, DrcType.Cpu)]
    [InlineData(DrcType.Lmb, DrcType.Phb)]
    [InlineData(DrcType.Pci, DrcType.Cpu)]
    public void CreateConnector_OwnerOfATypeThatMayNotOwnIt_Throws(DrcType type, DrcType ownerType)
    {
        using var machine = new Machine();
        var registry = machine.Registry;
        var owner = registry.CreateConnector(ownerType, 1);

        var act = () => registry.CreateConnector(type, 2, owner.Index);

        act.Should().Throw<ArgumentException>().WithParameterName("owner");
        registry.Count.Should().Be(1);
    }

    [Theory]
    [InlineData(DrcType.Phb)]
    [InlineData(DrcType.Pci)]
    public void CreateConnector_PciOwnedByPhbOrBridge_IsAccepted(DrcType ownerType)
    {
        using var machine = new Machine();
        var registry = machine.Registry;
        var owner = registry.CreateConnector(ownerType, 1);

        registry.CreateConnector(DrcType.Pci, 0x1_0008, owner.Index).Owner.Should().Be(owner.Index);
    }

    [Fact]
    public void CreateConnectors_IdsBeyond28Bits_ThrowsBeforeCreatingAny()
    {
        using var machine = new Machine();
        var registry = machine.Registry;

        var act = () => registry.CreateConnectors(DrcType.Lmb, DrcIndex.MaxId - 1, 3);

        act.Should().Throw<ArgumentOutOfRangeException>();
        registry.Count.Should().Be(0);
    }
}
