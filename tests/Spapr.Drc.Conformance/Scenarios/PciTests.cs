using Spapr.Drc.Conformance.Qemu;
using Spapr.Drc.Conformance.Twin;

namespace Spapr.Drc.Conformance.Scenarios;

/// <summary>PCI devices on the default PHB (physical connectors) and hot-plugged PHBs (SPEC sections 3-5).</summary>
public sealed class PciTests
{
    [QemuFact]
    public void PciDevice_LinuxAddThenRemove_AgreesStepByStep()
    {
        using var twin = PseriesTwin.Start();
        uint slot4 = Drcs.PciSlot(4);
        twin.Step("device_add pt1 slot 4", s => s.AddPci("pt1", 4)).Should().Be(HostOutcome.Ok);
        var add = twin.DrainEvents().Should().ContainSingle().Subject;
        (add.Type, add.Action, add.Identifier, add.Index).Should().Be(((byte)5, (byte)1, (byte)2, slot4));
        twin.Acquire(slot4).Should().Be("2,3x13,0");
        twin.Del("pt1").Should().Be(HostOutcome.Ok);
        twin.DrainEvents().Should().ContainSingle().Which.Action.Should().Be(2);
        twin.Del("pt1").Should().Be(HostOutcome.AlreadyInProgress);
        twin.Step("dr-indicator inactive", s => s.SetIndicator(PseriesTwin.DrIndicator, slot4, 0)).Should().Be(0);
        twin.Sense(slot4).Value.Should().Be(1);
        twin.Step("isolate", s => s.SetIndicator(PseriesTwin.Isolation, slot4, 0), slowEvents: true).Should().Be(0);
        twin.Settle();
        twin.Sense(slot4).Value.Should().Be(0);
        twin.Unisolate(slot4).Should().Be(-3);
    }

    [QemuFact]
    public void PciDevice_UnplugNeverUnisolated_CompletesAtOnce()
    {
        using var twin = PseriesTwin.Start();
        twin.Step("device_add pt3", s => s.AddPci("pt3", 3));
        twin.DrainEvents();
        twin.Del("pt3", slowEvents: true).Should().Be(HostOutcome.Ok);
        twin.Settle();
        twin.Sense(Drcs.PciSlot(3)).Value.Should().Be(0);
        twin.DrainEvents().Should().BeEmpty();
    }

    [QemuFact]
    public void PciDevice_ResetWhilePending_Completes()
    {
        using var twin = PseriesTwin.Start();
        uint slot2 = Drcs.PciSlot(2);
        twin.Step("device_add pt2", s => s.AddPci("pt2", 2));
        twin.Acquire(slot2);
        twin.Del("pt2");
        twin.Reset();
        twin.Settle();
        twin.Sense(slot2).Value.Should().Be(0);
        twin.CheckException().Status.Should().Be(1);
    }

    [QemuFact]
    public void PciDevice_ResetWhileUnisolatedAndPending_Completes()
    {
        using var twin = PseriesTwin.Start();
        uint slot2 = Drcs.PciSlot(2);
        twin.Step("device_add pt2", s => s.AddPci("pt2", 2));
        twin.AcquireUpToTheWalk(slot2);
        twin.Step("configure-connector one step", s => s.ConfigureConnectorStep(slot2, start: true));
        twin.Del("pt2");
        twin.Isolate(slot2).Should().Be(-3);
        twin.Reset();
        twin.Settle();
        twin.Sense(slot2).Value.Should().Be(0);
    }

    [QemuFact]
    public void Phb_LinuxAddThenRemove_TakesItsPciConnectorsAlong()
    {
        using var twin = PseriesTwin.Start();
        uint phb1 = Drcs.Phb(1);
        twin.Step("device_add phb1", s => s.AddPhb("phb1", 1)).Should().Be(HostOutcome.Ok);
        var add = twin.DrainEvents().Should().ContainSingle().Subject;
        (add.Type, add.Action, add.Index).Should().Be(((byte)4, (byte)1, phb1));
        twin.Sense(0x4001_0000).Should().Be(new SensorReading(0, 0));
        twin.Acquire(phb1).Should().Be("2,3x25,0");
        twin.Del("phb1").Should().Be(HostOutcome.Ok);
        twin.DrainEvents().Should().ContainSingle().Which.Action.Should().Be(2);
        twin.Del("phb1").Should().Be(HostOutcome.AlreadyInProgress);
        twin.Release(phb1).Should().BeNull();
        twin.Sense(phb1).Value.Should().Be(2);
        twin.Sense(0x4001_0000).Status.Should().Be(-3);
        twin.Sense(0x4001_00ff).Status.Should().Be(-3);
    }

    [QemuFact]
    public void Phb_UnplugNeverAcquired_CompletesAtOnce()
    {
        using var twin = PseriesTwin.Start();
        twin.Step("device_add phb2", s => s.AddPhb("phb2", 2));
        twin.DrainEvents();
        twin.Del("phb2").Should().Be(HostOutcome.Ok);
        twin.DrainEvents().Should().ContainSingle().Which.Action.Should().Be(2);
        twin.Sense(0x4002_0000).Status.Should().Be(-3);
    }

    [QemuFact]
    public void Phb_ResetWhilePending_CompletesAndDropsItsPciConnectors()
    {
        using var twin = PseriesTwin.Start();
        uint phb1 = Drcs.Phb(1);
        twin.Step("device_add phb1", s => s.AddPhb("phb1", 1));
        twin.Acquire(phb1);
        twin.Del("phb1");
        twin.Reset();
        twin.Sense(phb1).Value.Should().Be(2);
        twin.Sense(0x4001_0008).Status.Should().Be(-3);
    }

    [QemuFact]
    public void Phb_DefaultPhbUnplug_WaitsForTheGuest()
    {
        using var twin = PseriesTwin.Start();
        twin.Del(ModelPseries.DefaultPhb).Should().Be(HostOutcome.Ok);
        var remove = twin.DrainEvents().Should().ContainSingle().Subject;
        (remove.Type, remove.Action, remove.Index).Should().Be(((byte)4, (byte)2, Drcs.Phb(0)));
        twin.Sense(Drcs.Phb(0)).Value.Should().Be(1);
        twin.Settle();
    }

    [QemuFact]
    public void PciFunctions_PlugThenUnplugSlot_TravelTogetherOnFunctionZero()
    {
        using var twin = PseriesTwin.Start();
        uint f0 = Drcs.PciSlot(4), f1 = f0 | 1, f3 = f0 | 3;
        twin.Step("device_add f1", s => s.AddPciFunction("f1", 4, 1)).Should().Be(HostOutcome.Ok);
        twin.Step("device_add f3", s => s.AddPciFunction("f3", 4, 3)).Should().Be(HostOutcome.Ok);
        twin.CheckException().Status.Should().Be(1);
        twin.Sense(f1).Value.Should().Be(1);
        twin.Step("device_add f0", s => s.AddPciFunction("f0", 4, 0)).Should().Be(HostOutcome.Ok);
        twin.DrainEvents().Select(e => (e.Action, e.Index)).Should().Equal(((byte)1, f0), ((byte)1, f1), ((byte)1, f3));
        twin.Step("device_add f2 behind function 0", s => s.AddPciFunction("f2", 4, 2)).Should().Be(HostOutcome.Refused);
        foreach (uint f in new[] { f0, f1, f3 })
        {
            twin.Acquire(f).Should().Be("2,3x13,0");
        }

        twin.Del("f0").Should().Be(HostOutcome.Ok);
        twin.DrainEvents().Select(e => (e.Action, e.Index)).Should().Equal(((byte)2, f3), ((byte)2, f1), ((byte)2, f0));
        foreach (uint f in new[] { f3, f1, f0 })
        {
            twin.Step($"isolate {PseriesTwin.Hex(f)}", s => s.SetIndicator(PseriesTwin.Isolation, f, 0), slowEvents: true).Should().Be(0);
        }

        twin.Settle();
        twin.Sense(f0).Value.Should().Be(0);
    }

    [QemuFact]
    public void PciFunctions_UnplugNonZeroFunctionAlone_QueuesNothing()
    {
        using var twin = PseriesTwin.Start();
        uint f0 = Drcs.PciSlot(4), f1 = f0 | 1;
        twin.Step("device_add f1", s => s.AddPciFunction("f1", 4, 1));
        twin.Step("device_add f0", s => s.AddPciFunction("f0", 4, 0));
        twin.DrainEvents();
        twin.Acquire(f1);
        twin.Del("f1").Should().Be(HostOutcome.Ok);
        twin.CheckException().Status.Should().Be(1);
        twin.Step("isolate f1", s => s.SetIndicator(PseriesTwin.Isolation, f1, 0), slowEvents: true).Should().Be(0);
        twin.Settle();
        twin.Sense(f1).Value.Should().Be(0);
        twin.Sense(f0).Value.Should().Be(1);
    }

    [QemuFact]
    public void PciDevice_ResetWithoutPendingUnplug_ConfiguresItAndIsolateKeepsIt()
    {
        using var twin = PseriesTwin.Start();
        uint slot4 = Drcs.PciSlot(4);
        twin.Step("device_add pt1", s => s.AddPci("pt1", 4));
        twin.Reset();
        twin.CheckException().Status.Should().Be(1);
        twin.Configure(slot4).Should().Be("2,3x13,0");
        twin.Step("isolate", s => s.SetIndicator(PseriesTwin.Isolation, slot4, 0), slowEvents: true).Should().Be(0);
        twin.Sense(slot4).Value.Should().Be(1);
        twin.Step("configure isolated", s => s.ConfigureConnectorStep(slot4, start: true)).Should().Be(-9003);
        twin.Unisolate(slot4).Should().Be(0);
        twin.Configure(slot4).Should().Be("2,3x13,0");
        twin.Settle();
    }

    [QemuFact]
    public void PciFunctions_UnplugFunctionZeroAfterPendingFunction_RemovesEveryPresentFunction()
    {
        using var twin = PseriesTwin.Start();
        uint f0 = Drcs.PciSlot(4), f1 = f0 | 1, f2 = f0 | 2;
        twin.Step("device_add f1", s => s.AddPciFunction("f1", 4, 1));
        twin.Step("device_add f2", s => s.AddPciFunction("f2", 4, 2));
        twin.Step("device_add f0", s => s.AddPciFunction("f0", 4, 0));
        twin.DrainEvents();
        foreach (uint f in new[] { f0, f1, f2 })
        {
            twin.Acquire(f);
        }

        twin.Del("f1").Should().Be(HostOutcome.Ok);
        twin.Del("f0").Should().Be(HostOutcome.Ok);
        twin.DrainEvents().Select(e => (e.Action, e.Index)).Should().Equal(((byte)2, f2), ((byte)2, f1), ((byte)2, f0));
        twin.Del("f2").Should().Be(HostOutcome.AlreadyInProgress);
        foreach (uint f in new[] { f2, f1, f0 })
        {
            twin.Step($"isolate {PseriesTwin.Hex(f)}", s => s.SetIndicator(PseriesTwin.Isolation, f, 0), slowEvents: true);
        }

        twin.Settle();
    }
}
