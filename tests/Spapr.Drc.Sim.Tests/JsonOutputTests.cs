using System.Text.Json;
using System.Text.RegularExpressions;
using Spapr.Drc.Sim.Runner;

namespace Spapr.Drc.Sim.Tests;

/// <summary>The --json output, field by field against SPEC section 9.</summary>
public sealed partial class JsonOutputTests
{
    /// <summary>Every command of the scenario language at least once.</summary>
    internal const string EveryCommand = """
        machine timeout-action=keep-pending cpu-timeout=10s lmb-timeout=none
        connector cpu 0 4
        connector lmb 16 4
        connector pci 8
        plug cpu 0 cold as boot
        plug cpu 2 as core2
        check-exception
        guest add cpu 2
        rtas get-sensor-state entity-sense 0x10000002
        rtas set-indicator isolation 0x10000003 1
        rtas configure-connector 0x10000002
        unplug core2
        pause
        advance 20s
        resume
        advance 10s
        unplug cpu 2
        cancel core2
        plug lmb 16 lmbs 4 cold as dimm
        unplug dimm
        guest reject lmb 16
        plug pci 8 as nic
        unplug nic
        negotiate
        guest remove cpu 2
        show cpu 2
        show
        reset
        check-exception 0x10000000
        unplug cpu 0
        unplug cpu 3
        save
        load
        """;

    private static readonly string[] CommandVerbs =
    [
        "machine", "connector", "connector", "connector", "plug", "plug", "check-exception", "guest add",
        "rtas get-sensor-state", "rtas set-indicator", "rtas configure-connector", "unplug", "pause", "advance", "resume",
        "advance", "unplug", "cancel", "plug", "unplug", "guest reject", "plug", "unplug", "negotiate", "guest remove",
        "show", "show", "reset", "check-exception", "unplug", "unplug", "save", "load",
    ];

    private static List<JsonElement> Objects()
    {
        var run = SimHarness.Run(EveryCommand, json: true);
        run.Exit.Should().Be(ScenarioRunner.ExitOk, run.Error);
        return [.. run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
    }

    private static List<JsonElement> Commands() => [.. Objects().Where(o => o.TryGetProperty("command", out _))];

    private static JsonElement CommandAt(int line) => Commands().Single(o => o.GetProperty("line").GetInt32() == line);

    private static List<JsonElement> Events(string kind) => [.. Objects().Where(o => o.TryGetProperty("event", out var e) && e.ValueKind == JsonValueKind.String && e.GetString() == kind)];

    [GeneratedRegex("^0x[0-9A-F]{8}$")]
    private static partial Regex IndexPattern();

    [Fact]
    public void Json_EveryCommand_OneObjectPerCommandWithLineCommandOk()
    {
        var commands = Commands();

        commands.Select(c => c.GetProperty("command").GetString()).Should().Equal(CommandVerbs);
        commands.Select(c => c.GetProperty("line").GetInt32()).Should().Equal(Enumerable.Range(1, CommandVerbs.Length));
        commands.Should().OnlyContain(c => c.GetProperty("ok").ValueKind == JsonValueKind.True || c.GetProperty("ok").ValueKind == JsonValueKind.False);
    }

    [Fact]
    public void Json_EveryIndexField_IsAnEightDigitHexString()
    {
        var indexes = new List<string>();
        void Walk(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in e.EnumerateObject())
                {
                    if (p.Name == "index")
                    {
                        p.Value.ValueKind.Should().Be(JsonValueKind.String);
                        indexes.Add(p.Value.GetString()!);
                    }

                    Walk(p.Value);
                }
            }
            else if (e.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in e.EnumerateArray())
                {
                    Walk(item);
                }
            }
        }

        Objects().ForEach(Walk);

        indexes.Should().NotBeEmpty().And.OnlyContain(i => IndexPattern().IsMatch(i));
    }

    [Fact]
    public void Json_RtasSetIndicator_HasStatus()
    {
        var o = CommandAt(10);

        o.GetProperty("status").GetInt32().Should().Be(-3);
        o.GetProperty("ok").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public void Json_RtasGetSensorState_HasStatusAndValue()
    {
        var o = CommandAt(9);

        o.GetProperty("status").GetInt32().Should().Be(0);
        o.GetProperty("value").GetInt32().Should().Be(1, "a configured logical connector senses Present (SPEC section 3)");
    }

    [Fact]
    public void Json_RtasConfigureConnector_HasStatus()
    {
        CommandAt(11).GetProperty("status").GetInt32().Should().Be(2, "the first call of a walk hands out the top node (NextChild)");
    }

    [Fact]
    public void Json_GuestAdd_HasFinalStatus()
    {
        CommandAt(8).GetProperty("status").GetInt32().Should().Be(0);
    }

    [Fact]
    public void Json_UnplugRequested_HasResultAndRemainingMs()
    {
        var o = CommandAt(12);

        o.GetProperty("result").GetString().Should().Be("requested");
        o.GetProperty("remaining_ms").GetInt64().Should().Be(10_000);
    }

    [Fact]
    public void Json_UnplugResults_CoverEveryName()
    {
        var results = Commands().Where(c => c.GetProperty("command").GetString() == "unplug")
            .Select(c => (c.GetProperty("line").GetInt32(), c.GetProperty("result").GetString())).ToList();

        results.Should().Equal((12, "requested"), (17, "retried"), (20, "requested"), (23, "completed-immediately"), (30, "not-allowed"), (31, "no-device"));
    }

    [Fact]
    public void Json_UnplugNotPending_HasNoRemainingMs()
    {
        CommandAt(23).TryGetProperty("remaining_ms", out _).Should().BeFalse();
        CommandAt(20).TryGetProperty("remaining_ms", out _).Should().BeFalse("memory has no timeout here");
    }

    [Fact]
    public void Json_CheckExceptionWithEvent_HasStatusAndEventFields()
    {
        var o = CommandAt(7);
        var e = o.GetProperty("event");

        o.GetProperty("status").GetInt32().Should().Be(0);
        e.GetProperty("type").GetString().Should().Be("cpu");
        e.GetProperty("action").GetString().Should().Be("add");
        e.GetProperty("identifier").GetString().Should().Be("drc-index");
        e.GetProperty("index").GetString().Should().Be("0x10000002");
        e.GetProperty("count").GetInt32().Should().Be(1);
    }

    [Fact]
    public void Json_CheckExceptionEmpty_HasStatusOneAndNoEvent()
    {
        var o = CommandAt(29);

        o.GetProperty("status").GetInt32().Should().Be(1);
        o.TryGetProperty("event", out _).Should().BeFalse();
    }

    [Fact]
    public void Json_ShowOne_HasConnectorFields()
    {
        var connectors = CommandAt(26).GetProperty("connectors");
        var c = connectors.EnumerateArray().Single();

        c.GetProperty("index").GetString().Should().Be("0x10000002");
        c.GetProperty("name").GetString().Should().Be("CPU 2");
        c.GetProperty("state").GetInt32().Should().Be(1, "the guest removed it after the host cancelled: no release (SPEC section 6)");
        c.GetProperty("device").GetString().Should().Be("core2");
        c.GetProperty("unplug_requested").GetBoolean().Should().BeFalse();
        c.GetProperty("remaining_ms").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public void Json_ShowAll_ListsEveryConnectorInIndexOrder()
    {
        var connectors = CommandAt(27).GetProperty("connectors").EnumerateArray().ToList();
        var nic = connectors[4];

        connectors.Select(c => c.GetProperty("index").GetString()).Should().Equal(
            "0x10000000", "0x10000001", "0x10000002", "0x10000003", "0x40000008", "0x80000010", "0x80000011", "0x80000012", "0x80000013");
        connectors[5].GetProperty("device").GetString().Should().Be("dimm");
        connectors[5].GetProperty("state").GetInt32().Should().Be(4);
        connectors[5].GetProperty("unplug_requested").GetBoolean().Should().BeFalse("the guest rejected it");
        nic.GetProperty("device").ValueKind.Should().Be(JsonValueKind.Null, "the hot-plugged PCI device the guest never took was released at once");
    }

    [Fact]
    public void Json_SaveAndLoad_ReportTheSnapshotSize()
    {
        var save = CommandAt(32);
        var load = CommandAt(33);

        save.GetProperty("ok").GetBoolean().Should().BeTrue();
        save.GetProperty("bytes").GetInt32().Should().BePositive();
        load.GetProperty("ok").GetBoolean().Should().BeTrue();
        load.GetProperty("bytes").GetInt32().Should().Be(save.GetProperty("bytes").GetInt32());
    }

    [Fact]
    public void Json_Notifications_HaveEventIndexTimeMs()
    {
        var notifications = Objects().Where(o => !o.TryGetProperty("command", out _)).ToList();

        notifications.Should().NotBeEmpty();
        notifications.Should().OnlyContain(n => n.GetProperty("event").ValueKind == JsonValueKind.String
            && n.GetProperty("index").ValueKind == JsonValueKind.String
            && n.GetProperty("time_ms").ValueKind == JsonValueKind.Number);
    }

    [Fact]
    public void Json_Notifications_CoverEveryKind()
    {
        Objects().Where(o => !o.TryGetProperty("command", out _)).Select(n => n.GetProperty("event").GetString()).Distinct()
            .Should().BeEquivalentTo("unplug-completed", "unplug-timed-out", "unplug-rejected-by-guest", "unplug-cancelled", "hotplug-event-queued");
    }

    [Fact]
    public void Json_TimeoutWhilePaused_FiresOnGuestTime()
    {
        // Requested at 0 with a 10 s timeout; the guest is paused for the first 20 s: the timeout fires at 30 s.
        var timedOut = Events("unplug-timed-out").Single();

        timedOut.GetProperty("index").GetString().Should().Be("0x10000002");
        timedOut.GetProperty("time_ms").GetInt64().Should().Be(30_000);
    }

    [Fact]
    public void Json_Rejection_NotifiedOnceForTheMemoryDevice()
    {
        var rejected = Events("unplug-rejected-by-guest").Single();

        rejected.GetProperty("index").GetString().Should().Be("0x80000010");
    }

    [Fact]
    public void Json_Cancel_NotifiedWithTheConnector()
    {
        CommandAt(18).GetProperty("cancelled").GetBoolean().Should().BeTrue();
        Events("unplug-cancelled").Single().GetProperty("index").GetString().Should().Be("0x10000002");
    }

    [Fact]
    public void Json_HotplugEventQueued_NamesIndexOfTheEvent()
    {
        var queued = Events("hotplug-event-queued");

        queued.Select(q => q.GetProperty("index").GetString()).Should().StartWith(["0x10000002", "0x10000002"]);
    }

    [Fact]
    public void Json_StateChanges_ListedPerCommand()
    {
        var changes = CommandAt(8).GetProperty("changes").EnumerateArray()
            .Select(c => (c.GetProperty("index").GetString(), c.GetProperty("from").GetInt32(), c.GetProperty("to").GetInt32())).ToList();

        changes.Should().Equal(("0x10000002", 1, 2), ("0x10000002", 2, 3), ("0x10000002", 3, 4));
    }
}
