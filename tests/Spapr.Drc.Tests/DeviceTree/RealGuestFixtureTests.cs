using System.Buffers.Binary;

namespace Spapr.Drc.Tests.DeviceTree;

/// <summary>
/// The builders against what a real Linux 6.1 guest read under QEMU 7.2 on the same machine (tests/Spapr.Drc.RealGuest):
/// <c>/ibm,dynamic-reconfiguration-memory</c> before a 2-LMB DIMM's hot plug, after it and after its unplug, and the
/// configure-connector walk of each of its LMBs. The guest builds only <c>name</c> and <c>phandle</c> itself; after a
/// hot plug or unplug it rewrites its own copy of <c>ibm,dynamic-memory-v2</c> (QEMU builds the node only at
/// client-architecture-support).
/// </summary>
public sealed class RealGuestFixtureTests
{
    private const string Before = "dynamic-reconfiguration-memory-before-plug";
    private const string AfterPlug = "dynamic-reconfiguration-memory-after-plug";
    private const string AfterUnplug = "dynamic-reconfiguration-memory-after-unplug";
    private const string V2 = "ibm,dynamic-memory-v2";

    // Added by the firmware and the guest kernel, not by QEMU.
    private static readonly string[] GuestOnly = ["name", "phandle"];

    [Fact]
    public void Build_BeforeAnyPlug_EqualsTheGuestsNodeByteForByte()
    {
        using var machine = new QemuMemoryMachine();

        ShouldEqualFixture(machine.Build(), Before);
    }

    [Fact]
    public void Build_AfterTheDimmsUnplug_EqualsTheGuestsNodeByteForByte()
    {
        using var machine = new QemuMemoryMachine();
        var dimm = machine.Plug("dimm1", 8, 2, PlugMode.Hot);
        machine.GuestAdd(dimm);

        machine.UnplugAndRelease(dimm);

        dimm.IsAttached.Should().BeFalse();
        ShouldEqualFixture(machine.Build(), AfterUnplug);
    }

    [Fact]
    public void Build_AfterTheDimmsHotPlug_EveryPropertyButDynamicMemoryEqualsTheGuestsNode()
    {
        using var machine = new QemuMemoryMachine();
        var dimm = machine.Plug("dimm1", 8, 2, PlugMode.Hot);
        machine.GuestAdd(dimm);

        var ours = machine.Build().Properties.Where(p => p.Name != V2).ToDictionary(p => p.Name, p => p.Value.ToArray());
        var guest = RealGuestFixture.Properties(AfterPlug);

        ours.Should().BeEquivalentTo(guest.Where(p => p.Key != V2 && !GuestOnly.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value));
    }

    [Fact]
    public void Build_AfterTheDimmsHotPlug_SameSetsAsTheGuestsRewriteWithQemusHotRemovableFlag()
    {
        // Linux's hot-add path marks its own copy assigned (0x08) only; QEMU, rebuilding the node for a guest that
        // finds the DIMM present (its next boot), marks a DIMM's LMBs assigned and hot-removable (0x108). So ours
        // is the guest's rewrite plus that one bit, on the DIMM's set only.
        using var machine = new QemuMemoryMachine();
        var dimm = machine.Plug("dimm1", 8, 2, PlugMode.Hot);
        machine.GuestAdd(dimm);

        byte[] ours = machine.Property(V2);
        byte[] guest = RealGuestFixture.Properties(AfterPlug)[V2];

        ours.Length.Should().Be(guest.Length).And.Be(4 + (3 * 24));
        const int dimmSetFlags = 4 + 24 + 20;
        BinaryPrimitives.ReadUInt32BigEndian(ours.AsSpan(dimmSetFlags)).Should().Be(0x108);
        BinaryPrimitives.ReadUInt32BigEndian(guest.AsSpan(dimmSetFlags)).Should().Be(0x008);
        byte[] withoutHotRemovable = (byte[])ours.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(withoutHotRemovable.AsSpan(dimmSetFlags), 0x108 & ~0x100u);
        withoutHotRemovable.Should().Equal(guest);
    }

    [Fact]
    public void Build_WhileTheDimmIsHotPluggedButNotYetTakenByTheGuest_AlreadyAssigned()
    {
        // QEMU lists a DIMM from its plug on (qmp_memory_device_list), whatever the guest did with its LMBs.
        using var machine = new QemuMemoryMachine();
        machine.Plug("dimm1", 8, 2, PlugMode.Hot);

        byte[] ours = machine.Property(V2);

        BinaryPrimitives.ReadUInt32BigEndian(ours.AsSpan(4 + 24 + 20)).Should().Be(0x108);
    }

    [Theory]
    [InlineData(8u)]
    [InlineData(9u)]
    public void LmbFragment_WalkedByConfigureConnector_GivesTheGuestsCodes(uint lmbId)
    {
        using var machine = new QemuMemoryMachine();
        machine.Plug("dimm1", 8, 2, PlugMode.Hot);
        var lmb = QemuMemoryMachine.Lmb(lmbId);
        machine.Machine.Usable(lmb).Should().Be(RtasStatus.Success);
        machine.Machine.Unisolate(lmb).Should().Be(RtasStatus.Success);

        var codes = machine.Machine.ConfigureAll(lmb).Select(c => (int)c);

        var guest = RealGuestFixture.ConfigureConnectorCodes("dimm-add-remove", lmb.Value);
        guest.Should().Equal(2, 3, 3, 3, 0);
        codes.Should().Equal(guest);
    }

    private static void ShouldEqualFixture(DeviceTreeNode node, string fixture)
    {
        var guest = RealGuestFixture.Properties(fixture);
        foreach (string name in GuestOnly)
        {
            guest.Remove(name).Should().BeTrue($"the fixture {fixture} has the guest's {name}");
        }

        node.Properties.Select(p => p.Name).Should().BeEquivalentTo(guest.Keys);
        foreach (var property in node.Properties)
        {
            property.Value.ToArray().Should().Equal(guest[property.Name], $"{property.Name} is the guest's, byte for byte");
        }
    }
}
