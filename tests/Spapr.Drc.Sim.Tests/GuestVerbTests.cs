using System.Text.Json;
using Spapr.Drc.Sim.Runner;

namespace Spapr.Drc.Sim.Tests;

/// <summary>
/// SPEC section 9: <c>guest add|remove|reject &lt;type&gt; &lt;id&gt;</c> acts on that one connector;
/// <c>guest add|remove|reject &lt;name&gt;</c> on every connector the named device holds, in index order.
/// </summary>
public sealed class GuestVerbTests
{
    // A 4-LMB DIMM over LMBs 8-11, present at boot, whose unplug the host has requested (memory: no timeout).
    // Line 5 is the guest command under test, line 6 a show.
    private const string PendingDimm = """
        machine
        connector lmb 8 4
        plug lmb 8 lmbs 4 cold as dimm0
        unplug dimm0

        """;

    private static List<JsonElement> RunPendingDimm(string guestLine) => SimHarness.Json(PendingDimm + guestLine + "\nshow\n");

    private static List<string?> CallIndexes(JsonElement guestCommand) =>
        [.. guestCommand.GetProperty("calls").EnumerateArray().Select(c => c.GetProperty("index").GetString()).Distinct()];

    private static List<int> States(JsonElement show) =>
        [.. show.GetProperty("connectors").EnumerateArray().Select(c => c.GetProperty("state").GetInt32())];

    [Fact]
    public void GuestRemove_OneLmbOfPendingDimm_CallsOnThatLmbOnly()
    {
        var objects = RunPendingDimm("guest remove lmb 9");

        CallIndexes(objects.Command(5)).Should().Equal("0x80000009");
    }

    [Fact]
    public void GuestRemove_OneLmbOfPendingDimm_ReleasesThatLmbOnly()
    {
        var objects = RunPendingDimm("guest remove lmb 9");

        States(objects.Command(6)).Should().Equal(4, 1, 4, 4);
    }

    [Fact]
    public void GuestRemove_OneLmbOfPendingDimm_UnplugStaysPendingWaitingForTheOtherLmbs()
    {
        var objects = RunPendingDimm("guest remove lmb 9");

        objects.Notifications("unplug-completed").Should().BeEmpty();
        var pending = objects.Command(6).GetProperty("pending").EnumerateArray().Single();
        pending.GetProperty("waiting").EnumerateArray().Select(w => w.GetString()).Should().Equal("0x80000008", "0x8000000A", "0x8000000B");
    }

    [Fact]
    public void GuestRemove_DeviceName_ReleasesEveryLmbAndCompletesOnce()
    {
        var objects = RunPendingDimm("guest remove dimm0");

        States(objects.Command(6)).Should().Equal(1, 1, 1, 1);
        objects.Notifications("unplug-completed").Should().ContainSingle()
            .Which.GetProperty("index").GetString().Should().Be("0x80000008");
    }

    [Fact]
    public void GuestRemove_DeviceName_CallsOnEveryLmbInIndexOrder()
    {
        var objects = RunPendingDimm("guest remove dimm0");

        CallIndexes(objects.Command(5)).Should().Equal("0x80000008", "0x80000009", "0x8000000A", "0x8000000B");
    }

    [Fact]
    public void GuestRemove_DeviceNameAfterOneLmbWasReleased_ReleasesOnlyTheLmbsItStillHolds()
    {
        var run = SimHarness.Run(PendingDimm + "guest remove lmb 9\nguest remove dimm0\nexpect released 3 connectors from LMB 8 (0x80000008)\n");

        run.Error.Should().BeEmpty();
        run.Exit.Should().Be(ScenarioRunner.ExitOk);
    }

    [Fact]
    public void GuestRemove_DeviceNameAfterItsRemovalEnded_IsNotOkAndMakesNoCall()
    {
        var objects = SimHarness.Json(PendingDimm + "guest remove dimm0\nguest remove dimm0\n");
        var second = objects.Command(6);

        second.GetProperty("ok").GetBoolean().Should().BeFalse();
        second.GetProperty("calls").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public void GuestReject_OneLmb_CallsOnThatLmbOnly()
    {
        var objects = RunPendingDimm("guest reject lmb 10");

        CallIndexes(objects.Command(5)).Should().Equal("0x8000000A");
    }

    [Fact]
    public void GuestReject_OneLmb_RollsBackTheWholeDeviceOnce()
    {
        var objects = RunPendingDimm("guest reject lmb 10");

        objects.Notifications("unplug-rejected-by-guest").Should().ContainSingle()
            .Which.GetProperty("index").GetString().Should().Be("0x80000008");
        objects.Command(6).GetProperty("connectors").EnumerateArray().Should().OnlyContain(c => !c.GetProperty("unplug_requested").GetBoolean());
    }

    [Fact]
    public void GuestReject_DeviceName_UnisolatesEveryLmbAndIsReportedOnce()
    {
        var objects = RunPendingDimm("guest reject dimm0");

        CallIndexes(objects.Command(5)).Should().Equal("0x80000008", "0x80000009", "0x8000000A", "0x8000000B");
        objects.Notifications("unplug-rejected-by-guest").Should().ContainSingle();
    }

    [Fact]
    public void GuestAdd_OneLmbOfHotPluggedDimm_AcquiresThatLmbOnly()
    {
        var objects = SimHarness.Json("""
            connector lmb 8 4
            plug lmb 8 lmbs 4 as dimm0
            guest add lmb 8
            show
            """);

        States(objects.Command(4)).Should().Equal(4, 1, 1, 1);
    }

    [Fact]
    public void GuestAdd_DeviceName_AcquiresEveryLmb()
    {
        var objects = SimHarness.Json("""
            connector lmb 8 4
            plug lmb 8 lmbs 4 as dimm0
            guest add dimm0
            show
            """);

        States(objects.Command(4)).Should().Equal(4, 4, 4, 4);
    }

    [Fact]
    public void GuestAdd_DeviceName_JsonNamesTheDevice()
    {
        var objects = SimHarness.Json("""
            connector cpu 1
            plug cpu 1 as core1
            guest add core1
            """);

        objects.Command(3).GetProperty("device").GetString().Should().Be("core1");
    }

    [Fact]
    public void GuestAdd_UnknownDeviceName_ExitsTwoWithFileAndLine()
    {
        var run = SimHarness.Run("connector cpu 1\nguest add core9\n", source: "g.drc");

        run.Exit.Should().Be(ScenarioRunner.ExitMalformed);
        run.Error.Should().StartWith("g.drc:2: no device named 'core9'");
    }
}
