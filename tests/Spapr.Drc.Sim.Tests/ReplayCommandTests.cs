using System.Globalization;
using System.Text.Json;
using Spapr.Drc.Sim.Replay;

namespace Spapr.Drc.Sim.Tests;

/// <summary>
/// <c>drcsim replay</c> on small hand-written traces in the real-guest format (the committed recordings are replayed
/// by tests/Spapr.Drc.RealGuest): what agrees, how a difference is reported, and that a malformed trace is exit 2.
/// </summary>
public sealed class ReplayCommandTests
{
    private const string Machine = """{"machine": {"qemu": "7.2.22", "kernel": "6.1.0-50-powerpc64le", "smp": 1, "maxcpus": 4, "ram_mb": 2048, "maxmem_mb": 8192, "lmb_mb": 256, "numa_nodes": 1, "negotiated": true}}""";
    private const string HotplugMask = "[1280, 4097, 268435456, 0, 41363768, 2048]";

    private static string CpuAdded => Lines(
        Machine,
        """{"host": "device_add", "id": "core1", "type": "cpu", "drc": "0x10000001"}""",
        CheckException("""{"type": 1, "action": 1, "identifier": 2, "index": "0x10000001", "count": null}"""),
        Sense("0x10000001", 2),
        Set(9003, "0x10000001", 1),
        Set(9001, "0x10000001", 1),
        Walk("0x10000001", 30));

    // Lines 1-38 are CpuAdded (the walk is lines 7-38); 39 device_del, 40 check-exception, 41 sense, 42 isolate, 43 unusable, 44 DEVICE_DELETED.
    private static string CpuAddRemove => CpuAdded + Lines(
        """{"host": "device_del", "id": "core1", "error": null}""",
        CheckException("""{"type": 1, "action": 2, "identifier": 2, "index": "0x10000001", "count": null}"""),
        Sense("0x10000001", 1),
        Set(9001, "0x10000001", 0),
        Set(9003, "0x10000001", 0),
        """{"qmp": "DEVICE_DELETED", "id": "core1"}""");

    private static string DimmAddedAndRemoveRequested => Lines(
        Machine,
        """{"host": "device_add", "id": "dimm1", "type": "lmb", "drc": "0x80000008", "count": 2}""",
        CheckException("""{"type": 2, "action": 1, "identifier": 4, "index": "0x80000008", "count": 2}"""),
        Sense("0x80000008", 2), Set(9003, "0x80000008", 1), Set(9001, "0x80000008", 1), Walk("0x80000008", 3),
        Sense("0x80000009", 2), Set(9003, "0x80000009", 1), Set(9001, "0x80000009", 1), Walk("0x80000009", 3),
        """{"host": "device_del", "id": "dimm1", "error": null}""",
        CheckException("""{"type": 2, "action": 2, "identifier": 4, "index": "0x80000008", "count": 2}"""));

    [Fact]
    public void Replay_CpuAddThenRemove_EveryLineAgreesExitZero()
    {
        var run = Replay(CpuAddRemove);

        run.Exit.Should().Be(ReplayCommand.ExitAgree);
        run.Output.Should().Be("43 agree, 0 differ" + Environment.NewLine);
        run.Error.Should().BeEmpty();
    }

    [Fact]
    public void Replay_ChangedReturnCell_OneDifferenceNamingTheLineAndBothAnswers()
    {
        var run = Replay(CpuAddRemove.Replace(Set(9001, "0x10000001", 0), Set(9001, "0x10000001", 0, ret: -3), StringComparison.Ordinal));

        run.Exit.Should().Be(ReplayCommand.ExitDiffer);
        OutputLines(run).Should().Equal(
            "t.jsonl:42: set-indicator isolation isolate CPU 1 (0x10000001): QEMU returned [-3], the library [0]",
            "42 agree, 1 differ");
    }

    [Fact]
    public void Replay_MissingDeviceDeleted_DifferenceOnTheLineThatCompletedTheUnplug()
    {
        var run = Replay(CpuAddRemove.Replace("""{"qmp": "DEVICE_DELETED", "id": "core1"}""", string.Empty, StringComparison.Ordinal));

        run.Exit.Should().Be(ReplayCommand.ExitDiffer);
        OutputLines(run).Should().Equal(
            "t.jsonl:43: set-indicator allocation unusable CPU 1 (0x10000001): the library raised unplug-completed for core1; QEMU sent no DEVICE_DELETED",
            "41 agree, 1 differ");
    }

    [Fact]
    public void Replay_DeviceDeletedTheLibraryDidNotRaise_DiffersOnTheQmpLine()
    {
        var run = Replay(CpuAdded + Lines("""{"qmp": "DEVICE_DELETED", "id": "core1"}"""));

        run.Exit.Should().Be(ReplayCommand.ExitDiffer);
        OutputLines(run)[0].Should().Be("t.jsonl:39: DEVICE_DELETED core1: QEMU sent it; the library raised no unplug-completed for core1 at this point");
    }

    [Fact]
    public void Replay_ExtraEvent_DiffersInStatusAndEvent()
    {
        var run = Replay(CpuAdded + Lines(CheckException("""{"type": 1, "action": 2, "identifier": 2, "index": "0x10000001", "count": null}""")));

        run.Exit.Should().Be(ReplayCommand.ExitDiffer);
        OutputLines(run).Should().Equal(
            "t.jsonl:39: check-exception mask 0x10000000: QEMU returned [0], the library [1]",
            "t.jsonl:39: check-exception mask 0x10000000: QEMU's event {type 1, action 2, identifier 2, index 0x10000001, count none}, the library's none",
            "37 agree, 1 differ");
    }

    [Fact]
    public void Replay_DimmRefusedWithTwoGuestErrors_SecondAgreesByDesignAndSaysSo()
    {
        var run = Replay(DimmAddedAndRemoveRequested + Lines(
            Sense("0x80000008", 1),
            Set(9001, "0x80000008", 1),
            """{"qmp": "DEVICE_UNPLUG_GUEST_ERROR", "id": "dimm1"}""",
            """{"qmp": "DEVICE_UNPLUG_GUEST_ERROR", "id": "dimm1"}""",
            Walk("0x80000008", 3)));

        run.Exit.Should().Be(ReplayCommand.ExitAgree);
        OutputLines(run).Should().Equal(
            "t.jsonl:25: DEVICE_UNPLUG_GUEST_ERROR dimm1: by design, counted as agreement: " + TraceReplayer.OneRejectionPerDevice,
            "29 agree, 0 differ");
    }

    [Fact]
    public void Replay_CpuRefusedWithTwoGuestErrors_SecondDiffers()
    {
        var run = Replay(CpuAdded + Lines(
            """{"host": "device_del", "id": "core1", "error": null}""",
            Sense("0x10000001", 1),
            Set(9001, "0x10000001", 1),
            """{"qmp": "DEVICE_UNPLUG_GUEST_ERROR", "id": "core1"}""",
            """{"qmp": "DEVICE_UNPLUG_GUEST_ERROR", "id": "core1"}"""));

        run.Exit.Should().Be(ReplayCommand.ExitDiffer);
        OutputLines(run).Should().Equal(
            "t.jsonl:43: DEVICE_UNPLUG_GUEST_ERROR core1: QEMU sent it; the library raised no unplug-rejected-by-guest for core1 at this point",
            "41 agree, 1 differ");
    }

    [Fact]
    public void Replay_UnplugNeverCompleted_AgreesWithoutTimeouts()
    {
        var run = Replay(CpuAdded + Lines("""{"host": "device_del", "id": "core1", "error": null}"""));

        run.Exit.Should().Be(ReplayCommand.ExitAgree);
        OutputLines(run).Should().Equal("38 agree, 0 differ");
    }

    [Fact]
    public void Replay_UnplugNeverCompletedWithTimeouts_TheTimeoutDiffersAfterTheLastLine()
    {
        var run = Replay(CpuAdded + Lines("""{"host": "device_del", "id": "core1", "error": null}"""), "--timeouts");

        run.Exit.Should().Be(ReplayCommand.ExitDiffer);
        OutputLines(run).Should().Equal(
            "t.jsonl:end: after the last line, the guest clock run past every unplug deadline (--timeouts): the library raised unplug-timed-out for core1; QEMU 7.2 has nothing like it (no unplug timeout, no cancel)",
            "38 agree, 1 differ");
    }

    [Fact]
    public void Replay_HostAnswersDiffer_ReportsBothAnswers()
    {
        var run = Replay(Lines(
            Machine,
            """{"host": "device_del", "id": "ghost", "error": null}""",
            """{"host": "device_add", "id": "core9", "type": "cpu", "drc": "0x10000009"}"""));

        var lines = OutputLines(run);
        lines.Should().HaveCount(3);
        lines[0].Should().Be("t.jsonl:2: device_del ghost: QEMU accepted it; the library answered no-device: no device 'ghost' was plugged in this trace");
        lines[1].Should().StartWith("t.jsonl:3: device_add core9: CPU 9 (0x10000009): QEMU attached it; the library refused: ").And.Contain("0x10000009");
        lines[2].Should().Be("0 agree, 2 differ");
    }

    [Fact]
    public void Replay_GuestNeverNegotiated_MemoryAddByCountAgreesWithNullIndex()
    {
        string trace = Lines(
            Machine.Replace("\"negotiated\": true", "\"negotiated\": false", StringComparison.Ordinal),
            """{"host": "device_add", "id": "dimm1", "type": "lmb", "drc": "0x80000008", "count": 2}""",
            """{"rtas": "check-exception", "args": [1280, 4097, 1073741824, 0, 41363768, 2048], "rets": [0], "event": {"type": 2, "action": 1, "identifier": 3, "index": null, "count": 2}}""");

        var run = Replay(trace, "--json");

        run.Exit.Should().Be(ReplayCommand.ExitAgree);
        var check = JsonObjects(run)[1];
        check.GetProperty("library").GetProperty("event").GetProperty("index").ValueKind.Should().Be(JsonValueKind.Null);
        check.GetProperty("library").GetProperty("event").GetProperty("count").GetInt32().Should().Be(2);
    }

    [Fact]
    public void Replay_Json_OneObjectPerComparedLineThenASummary()
    {
        var objects = JsonObjects(Replay(CpuAddRemove, "--json"));

        objects.Should().HaveCount(44);
        objects.Take(43).Select(o => o.GetProperty("line").GetInt32()).Should().Equal(Enumerable.Range(2, 43));
        objects.Take(43).Should().OnlyContain(o => o.GetProperty("agree").GetBoolean() && o.GetProperty("differences").GetArrayLength() == 0);
        objects[^1].GetProperty("summary").GetString().Should().Be("43 agree, 0 differ");
        objects[^1].GetProperty("differ").GetInt32().Should().Be(0);
    }

    [Fact]
    public void Replay_Json_RtasLineHasBothSidesRets()
    {
        var sense = Line(JsonObjects(Replay(CpuAddRemove, "--json")), 41);

        sense.GetProperty("kind").GetString().Should().Be("rtas");
        sense.GetProperty("what").GetString().Should().Be("get-sensor-state entity-sense CPU 1 (0x10000001)");
        sense.GetProperty("qemu").GetProperty("rets").EnumerateArray().Select(c => c.GetInt32()).Should().Equal(0, 1);
        sense.GetProperty("library").GetProperty("rets").EnumerateArray().Select(c => c.GetInt32()).Should().Equal(0, 1);
    }

    [Fact]
    public void Replay_Json_QmpLineNamesTheMatchingNotification()
    {
        var deleted = Line(JsonObjects(Replay(CpuAddRemove, "--json")), 44);

        deleted.GetProperty("library").GetProperty("notification").GetString().Should().Be("unplug-completed");
        deleted.GetProperty("qemu").GetProperty("event").GetString().Should().Be("DEVICE_DELETED");
    }

    [Fact]
    public void Replay_WalkNotCompleteInTheTrace_CpuNodeHasTheMachineLinesShape()
    {
        // No complete walk to copy (the trace stops inside it): the CPU node gets QEMU 7.2's shape for the machine
        // line, 31 properties with two NUMA nodes, 30 with one.
        string twoNodes = Machine.Replace("\"numa_nodes\": 1", "\"numa_nodes\": 2", StringComparison.Ordinal);
        string unfinishedWalk = string.Join('\n', Walk("0x10000001", 31).Split('\n', StringSplitOptions.RemoveEmptyEntries).SkipLast(1));
        string trace = Lines(
            twoNodes,
            """{"host": "device_add", "id": "core1", "type": "cpu", "drc": "0x10000001"}""",
            Sense("0x10000001", 2),
            Set(9003, "0x10000001", 1),
            Set(9001, "0x10000001", 1),
            unfinishedWalk);

        Replay(trace).Exit.Should().Be(ReplayCommand.ExitAgree);
        OutputLines(Replay(trace.Replace(twoNodes, Machine, StringComparison.Ordinal))).Should().Equal(
            "t.jsonl:37: ibm,configure-connector CPU 1 (0x10000001): QEMU returned [3], the library [0]",
            "35 agree, 1 differ");
    }

    [Fact]
    public void Replay_WalkCompleteInTheTrace_FragmentHasTheTracedShape()
    {
        string trace = Lines(
            Machine,
            """{"host": "device_add", "id": "core1", "type": "cpu", "drc": "0x10000001"}""",
            Sense("0x10000001", 2),
            Set(9003, "0x10000001", 1),
            Set(9001, "0x10000001", 1),
            Walk("0x10000001", 7));

        Replay(trace).Exit.Should().Be(ReplayCommand.ExitAgree, "the trace's own walk shapes the fragment, whatever QEMU's default");
    }

    [Theory]
    [InlineData("", "t.jsonl:1: empty trace")]
    [InlineData("{\"host\": \"device_del\", \"id\": \"x\"}", "t.jsonl:1: the first line must be the machine line")]
    [InlineData("MACHINE\n{\"qmp\": \"DEVICE_DELETED\"}", "t.jsonl:2: missing \"id\"")]
    [InlineData("MACHINE\nnot json", "t.jsonl:2: not JSON")]
    [InlineData("MACHINE\n[1, 2]", "t.jsonl:2: not a JSON object but array")]
    [InlineData("MACHINE\n{\"rtas\": \"ibm,os-term\", \"args\": [], \"rets\": [0]}", "t.jsonl:2: unknown RTAS call 'ibm,os-term'")]
    [InlineData("MACHINE\n{\"rtas\": \"set-indicator\", \"args\": [9001, \"0x10000001\", 1]}", "t.jsonl:2: missing \"rets\"")]
    [InlineData("MACHINE\n{\"rtas\": \"set-indicator\", \"args\": [9001, \"0xZZ\", 1], \"rets\": [0]}", "t.jsonl:2: args[1] must be a 32-bit number")]
    [InlineData("MACHINE\n{\"rtas\": \"get-sensor-state\", \"args\": [9003, \"0x10000001\"], \"rets\": []}", "t.jsonl:2: \"rets\" is empty")]
    [InlineData("MACHINE\n{\"rtas\": \"check-exception\", \"args\": [0, 0, 0, 0, 0, 0], \"rets\": [0]}", "t.jsonl:2: rets [0] needs the \"event\"")]
    [InlineData("MACHINE\n{\"rtas\": \"ibm,configure-connector\", \"drc\": 5, \"rets\": [0]}", "t.jsonl:2: missing \"drc\"")]
    [InlineData("MACHINE\n{\"host\": \"device_add\", \"id\": \"g\", \"type\": \"gpu\", \"drc\": \"0x10000001\"}", "t.jsonl:2: unknown device type 'gpu'")]
    [InlineData("MACHINE\n{\"host\": \"device_add\", \"id\": \"c\", \"type\": \"cpu\", \"drc\": \"0x80000008\"}", "t.jsonl:2: drc 0x80000008 is not a cpu connector index")]
    [InlineData("MACHINE\n{\"host\": \"device_add\", \"id\": \"c\", \"type\": \"cpu\", \"drc\": \"0x10000001\", \"count\": 2}", "t.jsonl:2: count 2: only a memory device")]
    [InlineData("MACHINE\n{\"host\": \"reboot\", \"id\": \"x\"}", "t.jsonl:2: unknown host command 'reboot'")]
    [InlineData("MACHINE\n{\"qmp\": \"RESET\", \"id\": \"x\"}", "t.jsonl:2: unknown QMP event 'RESET'")]
    [InlineData("MACHINE\n{\"rtas\": \"set-indicator\", \"qmp\": \"RESET\"}", "t.jsonl:2: a line has exactly one of the keys")]
    [InlineData("MACHINE\nMACHINE", "t.jsonl:2: a second machine line")]
    [InlineData("{\"machine\": {\"maxcpus\": 4, \"ram_mb\": 2048, \"maxmem_mb\": 8192, \"lmb_mb\": 128, \"negotiated\": true}}", "t.jsonl:1: lmb_mb 128")]
    [InlineData("{\"machine\": {\"maxcpus\": 4, \"ram_mb\": 2048, \"maxmem_mb\": 8192, \"lmb_mb\": 256}}", "t.jsonl:1: machine needs \"negotiated\"")]
    [InlineData("{\"machine\": {\"maxcpus\": 0, \"ram_mb\": 2048, \"maxmem_mb\": 8192, \"lmb_mb\": 256, \"negotiated\": true}}", "t.jsonl:1: \"maxcpus\" must be a whole number from 1")]
    [InlineData("{\"machine\": {\"maxcpus\": 4, \"ram_mb\": 2048, \"maxmem_mb\": 1024, \"lmb_mb\": 256, \"negotiated\": true}}", "t.jsonl:1: \"maxmem_mb\" must be a whole number from 2048")]
    public void Replay_MalformedLine_ExitsTwoWithTheLineNumber(string trace, string message)
    {
        var run = Replay(trace.Replace("MACHINE", Machine, StringComparison.Ordinal));

        run.Exit.Should().Be(ReplayCommand.ExitMalformed);
        run.Error.Should().StartWith(message);
        run.Output.Should().BeEmpty("nothing is replayed from a trace with a malformed line");
    }

    [Fact]
    public void Replay_MissingFile_ExitsTwoWithMessage()
    {
        var path = Path.Combine(Path.GetTempPath(), "drcsim-no-such-" + Guid.NewGuid().ToString("N") + ".jsonl");

        var run = SimHarness.Cli("replay", path);

        run.Exit.Should().Be(ReplayCommand.ExitMalformed);
        run.Error.Should().StartWith(path + ": cannot read the trace");
    }

    [Fact]
    public void Help_Replay_ListsItsOptions()
    {
        var run = SimHarness.Cli("replay", "--help");

        run.Exit.Should().Be(0);
        run.Output.Should().Contain("--json").And.Contain("--timeouts");
    }

    private static SimRun Replay(string trace, params string[] options)
    {
        var path = Path.Combine(Path.GetTempPath(), "drcsim-replay-" + Guid.NewGuid().ToString("N"), "t.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, trace);
        try
        {
            return SimHarness.Cli(["replay", path, .. options]);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    private static List<string> OutputLines(SimRun run) => [.. run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'))];

    private static List<JsonElement> JsonObjects(SimRun run) => [.. OutputLines(run).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    /// <summary>The JSON object of trace line <paramref name="line"/> (the summary object has no line).</summary>
    private static JsonElement Line(List<JsonElement> objects, int line) =>
        objects.Single(o => o.TryGetProperty("line", out var l) && l.ValueKind == JsonValueKind.Number && l.GetInt32() == line);

    private static string Lines(params string[] lines) => string.Concat(lines.Where(l => l.Length > 0).Select(l => l.EndsWith('\n') ? l : l + "\n"));

    private static string CheckException(string e) => $$"""{"rtas": "check-exception", "args": {{HotplugMask}}, "rets": [0], "event": {{e}}}""";

    private static string Sense(string index, int value) =>
        string.Create(CultureInfo.InvariantCulture, $$"""{"rtas": "get-sensor-state", "args": [9003, "{{index}}"], "rets": [0, {{value}}]}""");

    private static string Set(int indicator, string index, int value, int ret = 0) =>
        string.Create(CultureInfo.InvariantCulture, $$"""{"rtas": "set-indicator", "args": [{{indicator}}, "{{index}}", {{value}}], "rets": [{{ret}}]}""");

    /// <summary>A whole configure-connector walk of a node with <paramref name="properties"/> properties: 2, 3 x n, 0.</summary>
    private static string Walk(string index, int properties) => Lines(
        [.. new[] { 2 }.Concat(Enumerable.Repeat(3, properties)).Append(0)
            .Select(status => string.Create(CultureInfo.InvariantCulture, $$"""{"rtas": "ibm,configure-connector", "drc": "{{index}}", "rets": [{{status}}]}"""))]);
}
