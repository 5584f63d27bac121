using Spapr.Drc.Conformance.Qemu;
using Spapr.Drc.Conformance.Twin;

namespace Spapr.Drc.Conformance.Scenarios;

public sealed class BootTests
{
    [QemuFact]
    public void Boot_ConnectorsOfEveryType_SenseAlike()
    {
        using var twin = PseriesTwin.Start();
        uint[] indexes =
        [
            Drcs.Core(0), Drcs.Core(1), Drcs.Core(3), Drcs.Core(4),
            Drcs.Phb(0), Drcs.Phb(1), Drcs.Phb(30), Drcs.Phb(31),
            0x4000_0000, 0x4000_00ff, 0x4000_0100,
            Drcs.Lmb(7), Drcs.Lmb(8), Drcs.Lmb(31), Drcs.Lmb(32),
            Drcs.Pmem(0), Drcs.Pmem(3), Drcs.Pmem(4),
        ];
        var readings = indexes.Select(twin.Sense).ToList();

        readings.Select(r => r.Value).Should().Equal(1u, 2u, 2u, 0u, 1u, 2u, 2u, 0u, 0u, 0u, 0u, 0u, 2u, 2u, 0u, 2u, 2u, 0u);
        twin.CheckException().Status.Should().Be(1);
    }

    [QemuFact]
    public void Boot_ColdPluggedDevices_AreConfiguredAndConfigurable()
    {
        using var twin = PseriesTwin.Start(new ColdDevice("core", "core2", 2), new ColdDevice("dimm", "dimm0", 2), new ColdDevice("phb", "phb3", 3), new ColdDevice("pci", "pt5", 5));
        foreach (uint index in new[] { Drcs.Core(2), Drcs.Lmb(8), Drcs.Lmb(9), Drcs.Phb(3), Drcs.PciSlot(5) })
        {
            twin.Sense(index).Should().Be(new SensorReading(0, 1));
        }

        twin.Configure(Drcs.Core(0)).Should().Be("2,3x30,0");
        twin.Configure(Drcs.Core(2)).Should().Be("2,3x30,0");
        twin.Configure(Drcs.Lmb(9)).Should().Be("2,3x3,0");
        twin.Configure(Drcs.Phb(3)).Should().Be("2,3x25,0");
        twin.Configure(Drcs.PciSlot(5)).Should().Be("2,3x13,0");
        twin.CheckException().Status.Should().Be(1);
    }

    [QemuFact]
    public void ColdPluggedCore_LinuxRemove_Completes()
    {
        using var twin = PseriesTwin.Start(new ColdDevice("core", "core2", 2));
        twin.Del("core2").Should().Be(HostOutcome.Ok);
        twin.DrainEvents().Should().ContainSingle().Which.Index.Should().Be(Drcs.Core(2));
        twin.Release(Drcs.Core(2)).Should().BeNull();
        twin.Sense(Drcs.Core(2)).Value.Should().Be(2);
    }

    [QemuFact]
    public void ColdPluggedPciDevice_LinuxRemove_Completes()
    {
        using var twin = PseriesTwin.Start(new ColdDevice("pci", "pt5", 5));
        twin.Del("pt5").Should().Be(HostOutcome.Ok);
        twin.DrainEvents().Should().ContainSingle();
        twin.Step("set dr-indicator inactive", s => s.SetIndicator(PseriesTwin.DrIndicator, Drcs.PciSlot(5), 0));
        twin.Step("isolate pci", s => s.SetIndicator(PseriesTwin.Isolation, Drcs.PciSlot(5), 0), slowEvents: true);
        twin.Settle();
        twin.Sense(Drcs.PciSlot(5)).Value.Should().Be(0);
    }
}
