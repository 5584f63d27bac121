using Spapr.Drc.Conformance.Qemu;
using Spapr.Drc.Conformance.Twin;

namespace Spapr.Drc.Conformance.Scenarios;

/// <summary>CPU cores: the Linux sequences, repeated requests, rejection, reset (SPEC sections 3 and 5).</summary>
public sealed class CpuTests
{
    [QemuFact]
    public void CpuCore_LinuxAddThenRemove_AgreesStepByStep()
    {
        // The calls of the real guest's cpu-add-remove trace (tests/Spapr.Drc.RealGuest), in its order.
        using var twin = PseriesTwin.Start();
        uint core1 = Drcs.Core(1);
        twin.Step("device_add core1", s => s.AddCore("core1", 1)).Should().Be(HostOutcome.Ok);
        var add = twin.DrainEvents().Should().ContainSingle().Subject;
        (add.Type, add.Action, add.Identifier, add.Index).Should().Be(((byte)1, (byte)1, (byte)2, core1));
        twin.Acquire(core1).Should().Be("2,3x30,0");

        twin.Del("core1").Should().Be(HostOutcome.Ok);
        var remove = twin.DrainEvents().Should().ContainSingle().Subject;
        (remove.Action, remove.Index).Should().Be(((byte)2, core1));
        twin.Release(core1).Should().BeNull();
        twin.History.Should().Equal(new DeviceEvent(DeviceEventKind.Deleted, "core1"));

        twin.Sense(core1).Value.Should().Be(2);
        twin.Del("core1").Should().Be(HostOutcome.NotFound);
        twin.Step("device_add core1 again", s => s.AddCore("core1", 1)).Should().Be(HostOutcome.Ok);
        twin.Sense(core1).Value.Should().Be(2);
    }

    [QemuFact]
    public void CpuCore_ConfiguredThenWalkedAgain_WalksFromTheTopAndStaysConfigured()
    {
        using var twin = PseriesTwin.Start();
        uint core1 = Drcs.Core(1);
        twin.Step("device_add core1", s => s.AddCore("core1", 1));
        twin.Acquire(core1).Should().Be("2,3x30,0");
        twin.Sense(core1).Value.Should().Be(1);
        twin.Configure(core1).Should().Be("2,3x30,0");
        twin.Usable(core1).Should().Be(0);
        twin.Sense(core1).Value.Should().Be(1);
    }

    [QemuFact]
    public void CpuCore_LinuxRefusesUnplugThenReleasesOnRetry_RejectedOnceThenDeleted()
    {
        // The real guest's cpu-unplug-refused-then-retried trace: the refusal is sense then unisolate.
        using var twin = PseriesTwin.Start();
        uint core1 = Drcs.Core(1);
        twin.Step("device_add core1", s => s.AddCore("core1", 1));
        twin.DrainEvents();
        twin.Acquire(core1).Should().Be("2,3x30,0");
        twin.Del("core1").Should().Be(HostOutcome.Ok);
        twin.DrainEvents().Should().ContainSingle().Which.Action.Should().Be(2);
        twin.Refuse(core1).Should().BeNull();
        twin.Settle();
        twin.History.Should().Equal(new DeviceEvent(DeviceEventKind.GuestError, "core1"));

        twin.Del("core1").Should().Be(HostOutcome.Ok);
        twin.DrainEvents().Should().ContainSingle().Which.Action.Should().Be(2);
        twin.Release(core1).Should().BeNull();
        twin.History.Should().Equal(new DeviceEvent(DeviceEventKind.GuestError, "core1"), new DeviceEvent(DeviceEventKind.Deleted, "core1"));
    }

    [QemuFact]
    public void CpuCore_RepeatedDeviceDel_ReSendsRemoveEvent()
    {
        using var twin = PseriesTwin.Start();
        uint core1 = Drcs.Core(1);
        twin.Step("device_add core1", s => s.AddCore("core1", 1));
        twin.DrainEvents();
        twin.Acquire(core1);
        twin.Del("core1").Should().Be(HostOutcome.Ok);
        twin.Del("core1").Should().Be(HostOutcome.Ok);
        twin.DrainEvents().Select(e => (e.Action, e.Index)).Should().Equal(((byte)2, core1), ((byte)2, core1));
    }

    [QemuFact]
    public void CpuCore_UnplugNeverAcquired_CompletesAtOnceAndStillQueuesRemove()
    {
        using var twin = PseriesTwin.Start();
        twin.Step("device_add core1", s => s.AddCore("core1", 1));
        twin.DrainEvents();
        twin.Del("core1").Should().Be(HostOutcome.Ok);
        twin.DrainEvents().Should().ContainSingle().Which.Action.Should().Be(2);
        twin.Sense(Drcs.Core(1)).Value.Should().Be(2);
    }

    [QemuFact]
    public void CpuCore_BootCoreAndUnknownIds_AreRefused()
    {
        using var twin = PseriesTwin.Start();
        twin.Del(ModelPseries.BootCore).Should().Be(HostOutcome.NotAllowed);
        twin.Del("nonexistent").Should().Be(HostOutcome.NotFound);
        twin.Step("device_add core-id 0", s => s.AddCore("core0", 0)).Should().Be(HostOutcome.Refused);
        twin.Step("device_add core-id 7", s => s.AddCore("core7", 7)).Should().Be(HostOutcome.Refused);
        twin.CheckException().Status.Should().Be(1);
    }

    [QemuFact]
    public void CpuCore_GuestUnisolatesWhilePending_RejectsOnce()
    {
        using var twin = PseriesTwin.Start();
        uint core1 = Drcs.Core(1);
        twin.Step("device_add core1", s => s.AddCore("core1", 1));
        twin.Acquire(core1);
        twin.Del("core1");
        twin.Unisolate(core1).Should().Be(0);
        twin.Unisolate(core1).Should().Be(0);
        twin.Isolate(core1).Should().Be(0);
        twin.Unusable(core1).Should().Be(0);
        twin.Sense(core1).Value.Should().Be(2);
        twin.Settle();
    }

    [QemuFact]
    public void CpuCore_UnisolateFromAvailableWhilePending_NoRejectionAndResetCompletes()
    {
        using var twin = PseriesTwin.Start();
        uint core1 = Drcs.Core(1);
        twin.Step("device_add core1", s => s.AddCore("core1", 1));
        twin.Acquire(core1);
        twin.Del("core1");
        twin.Isolate(core1).Should().Be(0);
        twin.Unisolate(core1).Should().Be(0);
        twin.Isolate(core1).Should().Be(-3);
        twin.Reset();
        twin.Sense(core1).Value.Should().Be(2);
        twin.CheckException().Status.Should().Be(1);
    }

    [QemuFact]
    public void CpuCore_ResetWhileConfiguredAndPending_Completes()
    {
        using var twin = PseriesTwin.Start();
        uint core1 = Drcs.Core(1);
        twin.Step("device_add core1", s => s.AddCore("core1", 1));
        twin.Acquire(core1);
        twin.Del("core1");
        twin.Reset();
        twin.Sense(core1).Value.Should().Be(2);
        twin.CheckException().Status.Should().Be(1);
    }

    [QemuFact]
    public void CpuCore_ResetWhileAvailableAndPending_Completes()
    {
        using var twin = PseriesTwin.Start();
        uint core1 = Drcs.Core(1);
        twin.Step("device_add core1", s => s.AddCore("core1", 1));
        twin.Acquire(core1);
        twin.Del("core1");
        twin.Isolate(core1);
        twin.Reset();
        twin.Sense(core1).Value.Should().Be(2);
    }

    [QemuFact]
    public void CpuCore_ResetWithoutPendingUnplug_ConfiguresHotPluggedCore()
    {
        using var twin = PseriesTwin.Start();
        uint core1 = Drcs.Core(1);
        twin.Step("device_add core1", s => s.AddCore("core1", 1));
        twin.Reset();
        twin.Sense(core1).Value.Should().Be(1);
        twin.CheckException().Status.Should().Be(1);
        twin.Configure(core1).Should().Be("2,3x30,0");
    }
}
