using Spapr.Drc.Conformance.Qemu;
using Spapr.Drc.Conformance.Twin;

namespace Spapr.Drc.Conformance.Scenarios;

/// <summary>DIMMs over LMB connectors: by-count Add, count-indexed Remove, whole-device rollback (SPEC sections 3-5).</summary>
public sealed class MemoryTests
{
    private static readonly uint[] Lmbs = [Drcs.Lmb(8), Drcs.Lmb(9), Drcs.Lmb(10), Drcs.Lmb(11)];

    [QemuFact]
    public void Dimm_LinuxAddThenRemove_CompletesWithLastLmb()
    {
        using var twin = PseriesTwin.Start();
        twin.AddDimm("dimm1", 4).Should().Be((HostOutcome.Ok, Drcs.Lmb(8)));
        var add = twin.DrainEvents().Should().ContainSingle().Subject;
        (add.Type, add.Action, add.Identifier, add.Count).Should().Be(((byte)2, (byte)1, (byte)3, 4u));
        foreach (uint lmb in Lmbs)
        {
            twin.Acquire(lmb).Should().Be("2,3x3,0");
        }

        twin.Del("dimm1").Should().Be(HostOutcome.Ok);
        var remove = twin.DrainEvents().Should().ContainSingle().Subject;
        (remove.Action, remove.Identifier, remove.Count, remove.Index).Should().Be(((byte)2, (byte)4, 4u, Drcs.Lmb(8)));
        twin.Del("dimm1").Should().Be(HostOutcome.AlreadyInProgress);
        twin.CheckException().Status.Should().Be(1);
        foreach (uint lmb in Lmbs)
        {
            twin.Release(lmb).Should().BeNull();
        }

        twin.History.Should().Equal(new DeviceEvent(DeviceEventKind.Deleted, "dimm1"));
        twin.Sense(Drcs.Lmb(8)).Value.Should().Be(2);
        twin.Del("dimm1").Should().Be(HostOutcome.NotFound);
    }

    [QemuFact]
    public void Dimm_LinuxRefusesPartWay_RollsBackWhatItTookDownAndWalksItAgain()
    {
        // The real guest's dimm-refused-part-way trace, with two LMBs taken down before the third failed: for each,
        // sense, unisolate and a new walk, no acquire. The first unisolate rolls the whole device back.
        using var twin = PseriesTwin.Start();
        AddConfiguredDimm(twin);
        twin.DrainEvents();
        twin.Del("dimm1").Should().Be(HostOutcome.Ok);
        twin.DrainEvents().Should().ContainSingle().Which.Action.Should().Be(2);
        twin.RollBack(Drcs.Lmb(8), Drcs.Lmb(9)).Should().Equal("2,3x3,0", "2,3x3,0");
        twin.Settle();
        twin.History.Should().Equal(new DeviceEvent(DeviceEventKind.GuestError, "dimm1"));
        foreach (uint lmb in Lmbs)
        {
            twin.Sense(lmb).Value.Should().Be(1);
        }

        twin.Del("dimm1").Should().Be(HostOutcome.Ok, "the rollback ended the request: the host may ask again");
        twin.DrainEvents().Should().ContainSingle().Which.Action.Should().Be(2);
        foreach (uint lmb in Lmbs)
        {
            twin.Release(lmb).Should().BeNull();
        }

        twin.History.Should().EndWith(new DeviceEvent(DeviceEventKind.Deleted, "dimm1"));
    }

    [QemuFact]
    public void Dimm_LinuxRefusesOnTheFirstLmb_NoCallAndTheUnplugStaysPendingSilently()
    {
        // The real guest's dimm-refused-first-lmb trace: the guest takes nothing down, so it makes no call at all.
        using var twin = PseriesTwin.Start();
        AddConfiguredDimm(twin);
        twin.DrainEvents();
        twin.Del("dimm1").Should().Be(HostOutcome.Ok);
        twin.DrainEvents().Should().ContainSingle().Which.Action.Should().Be(2);
        twin.RollBack().Should().BeEmpty();
        twin.Settle();
        twin.History.Should().BeEmpty("nothing tells the host: QEMU 7.2 waits for ever, the library until its LMB timeout, if set");
        twin.Del("dimm1").Should().Be(HostOutcome.AlreadyInProgress);
        twin.Sense(Drcs.Lmb(8)).Value.Should().Be(1);
    }

    [QemuFact]
    public void Dimm_GuestUnisolatesAnLmbWhilePending_RollsBackWholeDevice()
    {
        using var twin = PseriesTwin.Start();
        AddConfiguredDimm(twin);
        twin.Del("dimm1");
        twin.DrainEvents();
        twin.Unisolate(Drcs.Lmb(8)).Should().Be(0);
        twin.Configure(Drcs.Lmb(8)).Should().Be("2,3x3,0");
        twin.Unisolate(Drcs.Lmb(9)).Should().Be(0);
        twin.Isolate(Drcs.Lmb(9)).Should().Be(-1);
        foreach (uint lmb in Lmbs)
        {
            twin.Sense(lmb).Value.Should().Be(1);
        }

        twin.Settle();
    }

    [QemuFact]
    public void Dimm_GuestReconfiguresAnLmbWhilePending_RollsBackWholeDevice()
    {
        using var twin = PseriesTwin.Start();
        AddConfiguredDimm(twin);
        twin.Del("dimm1");
        twin.Configure(Drcs.Lmb(9)).Should().Be("2,3x3,0");
        twin.Isolate(Drcs.Lmb(8)).Should().Be(-1);
        twin.Del("dimm1").Should().Be(HostOutcome.Ok);
        foreach (uint lmb in Lmbs)
        {
            twin.Release(lmb);
        }

        twin.Settle();
    }

    [QemuFact]
    public void Dimm_UnplugNeverAcquired_CompletesAtOnceAndQueuesRemove()
    {
        using var twin = PseriesTwin.Start();
        twin.AddDimm("dimm1", 2);
        twin.DrainEvents();
        twin.Del("dimm1").Should().Be(HostOutcome.Ok);
        var remove = twin.DrainEvents().Should().ContainSingle().Subject;
        (remove.Identifier, remove.Count, remove.Index).Should().Be(((byte)4, 2u, Drcs.Lmb(8)));
    }

    [QemuFact]
    public void Dimm_ResetWhilePending_Completes()
    {
        using var twin = PseriesTwin.Start();
        AddConfiguredDimm(twin);
        twin.Del("dimm1");
        twin.Isolate(Drcs.Lmb(8));
        twin.Reset();
        twin.Sense(Drcs.Lmb(8)).Value.Should().Be(2);
        twin.Sense(Drcs.Lmb(11)).Value.Should().Be(2);
        twin.CheckException().Status.Should().Be(1);
    }

    [QemuFact]
    public void Dimm_ColdPlugged_IsolateWithoutRequestIsHardwareError()
    {
        using var twin = PseriesTwin.Start(new ColdDevice("dimm", "dimm0", 2));
        twin.Isolate(Drcs.Lmb(8)).Should().Be(-1);
        twin.Unusable(Drcs.Lmb(8)).Should().Be(-3);
        twin.Del("dimm0").Should().Be(HostOutcome.Ok);
        twin.Release(Drcs.Lmb(8));
        twin.Release(Drcs.Lmb(9));
        twin.AddDimm("dimm1", 2).Should().Be((HostOutcome.Ok, Drcs.Lmb(8)));
    }

    [QemuFact]
    public void Dimm_SecondDimm_TakesTheNextLmbs()
    {
        using var twin = PseriesTwin.Start();
        twin.AddDimm("dimm1", 2).Should().Be((HostOutcome.Ok, Drcs.Lmb(8)));
        twin.AddDimm("dimm2", 3).Should().Be((HostOutcome.Ok, Drcs.Lmb(10)));
        twin.AddDimm("dimm1", 1).Outcome.Should().Be(HostOutcome.Refused);
        twin.DrainEvents().Select(e => e.Count).Should().Equal(2u, 3u);
    }

    [QemuFact]
    public void Dimm_ResetWithoutPendingUnplug_ConfiguresEveryLmb()
    {
        using var twin = PseriesTwin.Start();
        twin.AddDimm("dimm1", 2);
        twin.Reset();
        twin.Sense(Drcs.Lmb(8)).Value.Should().Be(1);
        twin.Sense(Drcs.Lmb(9)).Value.Should().Be(1);
        twin.Isolate(Drcs.Lmb(9)).Should().Be(-1);
        twin.Del("dimm1").Should().Be(HostOutcome.Ok);
        twin.Release(Drcs.Lmb(8));
        twin.Release(Drcs.Lmb(9));
        twin.Sense(Drcs.Lmb(9)).Value.Should().Be(2);
    }

    [QemuFact]
    public void Dimm_PartlyReleasedThenReset_CompletesTheRest()
    {
        using var twin = PseriesTwin.Start();
        AddConfiguredDimm(twin);
        twin.Del("dimm1");
        twin.Release(Drcs.Lmb(8));
        twin.Release(Drcs.Lmb(9));
        twin.Reset();
        foreach (uint lmb in Lmbs)
        {
            twin.Sense(lmb).Value.Should().Be(2);
        }
    }

    private static void AddConfiguredDimm(PseriesTwin twin)
    {
        twin.AddDimm("dimm1", 4);
        foreach (uint lmb in Lmbs)
        {
            twin.Acquire(lmb);
        }
    }
}
