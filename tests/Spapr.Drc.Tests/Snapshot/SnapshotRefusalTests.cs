using System.Buffers.Binary;
using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Snapshot;

/// <summary>SPEC section 7: every bad stream is refused with what and where, and the registry is left as it was.</summary>
public sealed class SnapshotRefusalTests : IDisposable
{
    private readonly Machine _sourceMachine;
    private readonly Machine _destinationMachine;
    private readonly DrcRegistry _source;
    private readonly DrcRegistry _destination;
    private readonly byte[] _snapshot;

    public SnapshotRefusalTests()
    {
        // A small machine with one record of each kind: a pending CPU, a hot-plugged CPU, a lit empty slot, an event.
        _sourceMachine = new Machine(start: SnapshotTestKit.Start);
        _source = _sourceMachine.Registry;
        _source.CreateConnectors(DrcType.Cpu, 0, 3);
        _source.CreateConnectors(DrcType.Pci, 0, 2);
        _source.Attach(DrcIndex.From(DrcType.Cpu, 1), "core1", null, PlugMode.Cold);
        _source.RequestUnplug(DrcIndex.From(DrcType.Cpu, 1));
        _source.Attach(DrcIndex.From(DrcType.Cpu, 2), "core2", null, PlugMode.Hot);
        _source.Rtas.SetIndicator((uint)RtasIndicator.DrIndicator, DrcIndex.From(DrcType.Pci, 1).Value, (uint)DrIndicator.Identify);
        _snapshot = _source.SaveSnapshot();

        // The destination already runs a state of its own, which a refused load must leave untouched.
        _destinationMachine = SnapshotTestKit.Destination(_source);
        _destination = _destinationMachine.Registry;
        _destination.RequestUnplug(DrcIndex.From(DrcType.Cpu, 2));
    }

    public void Dispose()
    {
        _sourceMachine.Dispose();
        _destinationMachine.Dispose();
    }

    [Fact]
    public void LoadSnapshot_WrongMagic_IsRefusedAtByte0()
    {
        var stream = (byte[])_snapshot.Clone();
        stream[0] ^= 0xFF;

        SnapshotTestKit.ShouldRefuse(_destination, stream, "not a DRC snapshot").Offset.Should().Be(0);
    }

    [Fact]
    public void LoadSnapshot_FutureFormatVersion_IsRefused()
    {
        var stream = SnapshotTestKit.Assemble(SnapshotTestKit.Sections(_snapshot), version: SnapshotFormat.Version + 1);

        SnapshotTestKit.ShouldRefuse(_destination, stream, "newer than this reader").Offset.Should().Be(4);
    }

    [Fact]
    public void LoadSnapshot_UnknownRequiredSection_IsRefused()
    {
        var sections = SnapshotTestKit.Sections(_snapshot);
        sections.Add(new SnapshotTestKit.Section(0x7F02, SnapshotFormat.SectionRequired, [9, 9]));

        SnapshotTestKit.ShouldRefuse(_destination, SnapshotTestKit.Assemble(sections), "unknown required section");
    }

    [Fact]
    public void LoadSnapshot_TruncatedAtEveryByte_IsRefused()
    {
        for (int length = 0; length < _snapshot.Length; length++)
        {
            SnapshotTestKit.ShouldRefuse(_destination, _snapshot[..length]);
        }
    }

    [Fact]
    public void LoadSnapshot_SingleBitFlippedAnywhere_IsRefused()
    {
        for (int bit = 0; bit < _snapshot.Length * 8; bit++)
        {
            var stream = (byte[])_snapshot.Clone();
            stream[bit / 8] ^= (byte)(1 << (bit % 8));
            SnapshotTestKit.ShouldRefuse(_destination, stream);
        }
    }

    [Fact]
    public void LoadSnapshot_IndexTheDestinationLacks_IsRefused()
    {
        // Same number of connectors, but CPU 2 is CPU 3 here.
        using var otherMachine = new Machine(start: SnapshotTestKit.Start);
        var other = otherMachine.Registry;
        other.CreateConnectors(DrcType.Cpu, 0, 2);
        other.CreateConnector(DrcType.Cpu, 3);
        other.CreateConnectors(DrcType.Pci, 0, 2);
        other.Attach(DrcIndex.From(DrcType.Cpu, 1), "core1", null, PlugMode.Cold);
        other.Attach(DrcIndex.From(DrcType.Cpu, 3), "core3", null, PlugMode.Cold);

        SnapshotTestKit.ShouldRefuse(other, _snapshot, "0x10000002 does not exist on this machine");
    }

    [Fact]
    public void LoadSnapshot_TypeMismatch_IsRefused()
    {
        var stream = SnapshotTestKit.EditSection(_snapshot, SnapshotFormat.ConnectorsSection, p => p[4 + 4] = (byte)DrcType.Pci);

        SnapshotTestKit.ShouldRefuse(_destination, stream, "is a Cpu connector here, the stream says type 4");
    }

    [Fact]
    public void LoadSnapshot_StateInvalidForTheClass_IsRefused()
    {
        var stream = SnapshotTestKit.EditSection(_snapshot, SnapshotFormat.ConnectorsSection, p => p[4 + 5] = (byte)DrcState.PhysicalConfigured);

        SnapshotTestKit.ShouldRefuse(_destination, stream, "state 8 is not valid for CPU 1");
    }

    [Fact]
    public void LoadSnapshot_PendingFlagWithoutDevice_IsRefused()
    {
        // The third record is the empty PCI slot whose indicator the guest set.
        var stream = SnapshotTestKit.EditSection(_snapshot, SnapshotFormat.ConnectorsSection, p => p[4 + 14 + 6] |= SnapshotFormat.ConnectorUnplugPending);

        SnapshotTestKit.ShouldRefuse(_destination, stream, "C1 (0x40000001) is marked unplug-pending but has no device");
    }

    [Fact]
    public void LoadSnapshot_DestinationWithoutTheDevice_IsRefused()
    {
        using var bareMachine = new Machine(start: SnapshotTestKit.Start);
        var bare = bareMachine.Registry;
        bare.CreateConnectors(DrcType.Cpu, 0, 3);
        bare.CreateConnectors(DrcType.Pci, 0, 2);

        SnapshotTestKit.ShouldRefuse(bare, _snapshot, "had a device at the source but has none here");
    }

    [Fact]
    public void LoadSnapshot_DestinationWithAnExtraDevice_IsRefused()
    {
        using var destinationMachine = SnapshotTestKit.Destination(_source);
        var destination = destinationMachine.Registry;
        destination.Attach(DrcIndex.From(DrcType.Cpu, 0), "core0", null, PlugMode.Cold);

        SnapshotTestKit.ShouldRefuse(destination, _snapshot, "connectors with a device");
    }

    [Fact]
    public void LoadSnapshot_MemoryDeviceSpansOtherLmbsHere_IsRefused()
    {
        using var sourceMachine = new Machine(start: SnapshotTestKit.Start);
        var source = sourceMachine.Registry;
        source.CreateConnectors(DrcType.Lmb, 0, 4);
        source.AttachMemoryDevice(DrcIndex.From(DrcType.Lmb, 0), 4, "dimm", null, PlugMode.Cold);
        source.RequestUnplug(DrcIndex.From(DrcType.Lmb, 0));
        using var destinationMachine = new Machine(start: SnapshotTestKit.Start);
        var destination = destinationMachine.Registry;
        destination.CreateConnectors(DrcType.Lmb, 0, 4);
        destination.AttachMemoryDevice(DrcIndex.From(DrcType.Lmb, 0), 2, "dimm-a", null, PlugMode.Cold);
        destination.AttachMemoryDevice(DrcIndex.From(DrcType.Lmb, 2), 2, "dimm-b", null, PlugMode.Cold);

        SnapshotTestKit.ShouldRefuse(destination, source.SaveSnapshot(), "spans other LMBs here than at the source");
    }

    [Fact]
    public void LoadSnapshot_ConnectorCountHugeInSection_IsRefusedBeforeAllocating()
    {
        var stream = SnapshotTestKit.EditSection(_snapshot, SnapshotFormat.ConnectorsSection, p => BinaryPrimitives.WriteUInt32LittleEndian(p, uint.MaxValue));

        SnapshotTestKit.ShouldRefuse(_destination, stream, "cannot fit");
    }

    [Fact]
    public void LoadSnapshot_DuplicateConnectorRecord_IsRefused()
    {
        var stream = SnapshotTestKit.EditSection(_snapshot, SnapshotFormat.ConnectorsSection, p => p.AsSpan(4, 4).CopyTo(p.AsSpan(4 + 7)));

        SnapshotTestKit.ShouldRefuse(_destination, stream, "out of index order");
    }

    [Fact]
    public void LoadSnapshot_MissingMachineSection_IsRefused()
    {
        var sections = SnapshotTestKit.Sections(_snapshot).Where(s => s.Id != SnapshotFormat.MachineSection);

        SnapshotTestKit.ShouldRefuse(_destination, SnapshotTestKit.Assemble(sections), "machine section is missing");
    }
}
