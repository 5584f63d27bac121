using System.Text.Json;
using Spapr.Drc.Sim.Runner;

namespace Spapr.Drc.Sim.Tests;

/// <summary>
/// The guest verbs make the calls a real Linux 6.1 guest makes (tests/Spapr.Drc.RealGuest/Traces), call for call:
/// acquire = sense, usable, unisolate, walk; remove = sense, isolate, unusable; a refused CPU = sense, unisolate; a
/// DIMM refused part-way (<c>guest reject &lt;name&gt; after &lt;n&gt;</c>) = sense, unisolate, walk again for each
/// LMB it had taken down, and nothing at all when it failed on the first.
/// </summary>
public sealed class LinuxSequenceTests
{
    // A configured core whose unplug the host requested (line 4), and a configured 4-LMB DIMM likewise (line 7).
    private const string Pending = """
        connector cpu 1
        plug cpu 1 cold as core1
        connector lmb 8 4
        unplug core1
        plug lmb 8 lmbs 4 cold as dimm0
        show
        unplug dimm0

        """;

    private static List<(string Call, string? Index, int Status)> Calls(JsonElement guestCommand) =>
        [.. guestCommand.GetProperty("calls").EnumerateArray()
            .Select(c => (c.GetProperty("call").GetString()!, c.GetProperty("index").GetString(), c.GetProperty("status").GetInt32()))];

    [Fact]
    public void GuestAdd_Cpu_SenseUsableUnisolateThenWalk()
    {
        var objects = SimHarness.Json("connector cpu 1\nplug cpu 1 as core1\nguest add core1\n");

        Calls(objects.Command(3)).Select(c => c.Call).Should().Equal("get-sensor-state", "set-indicator", "set-indicator", "configure-connector");
    }

    [Fact]
    public void GuestRemove_Cpu_ReadsTheSensorBeforeIsolate()
    {
        var objects = SimHarness.Json(Pending + "guest remove core1\n");

        Calls(objects.Command(8)).Should().Equal(("get-sensor-state", "0x10000001", 0), ("set-indicator", "0x10000001", 0), ("set-indicator", "0x10000001", 0));
        objects.Notifications("unplug-completed").Should().ContainSingle();
    }

    [Fact]
    public void GuestRemove_Pci_SenseThenIsolateWithoutAllocation()
    {
        var objects = SimHarness.Json("connector phb 1\nplug phb 1 cold\nconnector pci 0x10008\nplug pci 0x10008 cold as nic\nunplug nic\nguest remove nic\n");

        Calls(objects.Command(6)).Select(c => c.Call).Should().Equal("get-sensor-state", "set-indicator");
    }

    [Fact]
    public void GuestRemove_ConnectorTheGuestDoesNotHold_GivesUpAfterTheSensorRead()
    {
        var objects = SimHarness.Json("connector cpu 1\nplug cpu 1 as core1\nguest remove cpu 1\n");
        var remove = objects.Command(3);

        remove.GetProperty("ok").GetBoolean().Should().BeFalse();
        Calls(remove).Select(c => c.Call).Should().Equal("get-sensor-state");
    }

    [Fact]
    public void GuestReject_Cpu_IsSenseThenUnisolateAndRejectsOnce()
    {
        var objects = SimHarness.Json(Pending + "guest reject core1\n");

        Calls(objects.Command(8)).Should().Equal(("get-sensor-state", "0x10000001", 0), ("set-indicator", "0x10000001", 0));
        objects.Notifications("unplug-rejected-by-guest").Should().ContainSingle().Which.GetProperty("index").GetString().Should().Be("0x10000001");
    }

    [Fact]
    public void GuestRejectAfter_OneLmbTakenDown_SenseUnisolateAndWalkOnThatLmbOnly()
    {
        var objects = SimHarness.Json(Pending + "guest reject dimm0 after 1\n");

        Calls(objects.Command(8)).Should().Equal(("get-sensor-state", "0x80000008", 0), ("set-indicator", "0x80000008", 0), ("configure-connector", "0x80000008", 0));
    }

    [Fact]
    public void GuestRejectAfter_OneLmbTakenDown_RollsBackTheDeviceOnce()
    {
        var objects = SimHarness.Json(Pending + "guest reject dimm0 after 1\nshow\n");

        objects.Notifications("unplug-rejected-by-guest").Should().ContainSingle().Which.GetProperty("index").GetString().Should().Be("0x80000008");
        objects.Command(9).GetProperty("connectors").EnumerateArray().Where(c => c.GetProperty("index").GetString()!.StartsWith("0x8", StringComparison.Ordinal))
            .Should().HaveCount(4).And.OnlyContain(c => c.GetProperty("state").GetInt32() == 4 && !c.GetProperty("unplug_requested").GetBoolean());
    }

    [Fact]
    public void GuestRejectAfter_TwoLmbsTakenDown_RollsBackEachInTurn()
    {
        var objects = SimHarness.Json(Pending + "guest reject dimm0 after 2\n");

        Calls(objects.Command(8)).Select(c => (c.Call, c.Index)).Should().Equal(
            ("get-sensor-state", "0x80000008"), ("set-indicator", "0x80000008"), ("configure-connector", "0x80000008"),
            ("get-sensor-state", "0x80000009"), ("set-indicator", "0x80000009"), ("configure-connector", "0x80000009"));
    }

    [Fact]
    public void GuestRejectAfter_Zero_MakesNoCallAndTheUnplugStaysPending()
    {
        var run = SimHarness.Run(Pending + "guest reject dimm0 after 0\nexpect refused on LMB 8 (0x80000008), the first: no call at all\nshow lmb 8\nexpect unplug pending\n");

        run.Error.Should().BeEmpty();
        run.Exit.Should().Be(ScenarioRunner.ExitOk);
        SimHarness.Json(Pending + "guest reject dimm0 after 0\n").Command(8).GetProperty("calls").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public void GuestRejectAfter_Json_HasAfter()
    {
        SimHarness.Json(Pending + "guest reject dimm0 after 1\n").Command(8).GetProperty("after").GetInt32().Should().Be(1);
    }

    [Theory]
    [InlineData("guest reject dimm0 after 4\n", "bad.drc:8: dimm0 holds 4 connectors: a refusal fails on one of them, so at most 3")]
    [InlineData("guest reject core1 after 0\n", "bad.drc:8: 'after' is for a device over several connectors")]
    [InlineData("guest add dimm0 after 1\n", "bad.drc:8: unexpected 'after' in guest add")]
    [InlineData("guest reject lmb 8 after 1\n", "bad.drc:8: unexpected 'after' in guest reject")]
    [InlineData("guest reject dimm0 before 1\n", "bad.drc:8: unexpected 'before' in guest reject")]
    [InlineData("guest reject dimm0 after\n", "bad.drc:8: missing argument: expected the number of connectors the guest took down")]
    [InlineData("guest reject dimm0 after -1\n", "bad.drc:8: bad number '-1'")]
    public void GuestRejectAfter_Malformed_ExitsTwoWithFileAndLine(string line, string message)
    {
        var run = SimHarness.Run(Pending + line, source: "bad.drc");

        run.Exit.Should().Be(ScenarioRunner.ExitMalformed);
        run.Error.Should().StartWith(message);
    }
}
