using Spapr.Drc.RealGuest.Format;
using Spapr.Drc.Sim.Replay;

namespace Spapr.Drc.RealGuest.Tests;

/// <summary>
/// Every committed trace replayed against the library (issue 15, part 3), without QEMU: each agrees line for line, and
/// a doctored copy (a changed return cell, a missing or extra QMP event, an extra event) is reported as a difference
/// naming the line.
/// </summary>
public sealed class CommittedTraceReplayTests
{
    public static TheoryData<string> Scenarios => [.. ScenarioCatalog.Names];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Replay_CommittedTrace_EveryLineAgrees(string scenario) => TraceReplay.AssertAgrees(CommittedFiles.Trace(scenario));

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Replay_CommittedTrace_ComparesEveryLineAfterTheMachineLine(string scenario)
    {
        int lines = File.ReadAllLines(CommittedFiles.Trace(scenario)).Count(l => l.Length > 0);

        TraceReplay.File(CommittedFiles.Trace(scenario)).Output[^1].Should().Be($"{lines - 1} agree, 0 differ");
    }

    [Fact]
    public void Replay_DimmRefusedPartWay_SecondGuestErrorAgreesByDesignAndSaysWhy()
    {
        var outcome = TraceReplay.File(CommittedFiles.Trace(ScenarioCatalog.DimmRefusedPartWay));

        outcome.Output.Should().ContainSingle(l => l.Contains("by design", StringComparison.Ordinal))
            .Which.Should().Match("dimm-refused-part-way.jsonl:*: DEVICE_UNPLUG_GUEST_ERROR dimmP: by design, counted as agreement: " + TraceReplayer.OneRejectionPerDevice);
    }

    [Fact]
    public void Replay_DimmRefusedOnTheFirstLmbWithTimeouts_OnlyTheMemoryTimeoutSaysSo()
    {
        // The guest makes no call once it fails to offline the first LMB, and QEMU never completes: with the library's
        // default timeouts (memory: 2 minutes) the timeout is the one thing that reports the stuck unplug.
        var outcome = TraceReplay.File(CommittedFiles.Trace(ScenarioCatalog.DimmRefusedFirstLmb), timeouts: true);

        outcome.Exit.Should().Be(ReplayCommand.ExitDiffer);
        outcome.Output.Should().ContainSingle(l => l.Contains("differ", StringComparison.Ordinal) && l.EndsWith(" 1 differ", StringComparison.Ordinal));
        outcome.Output.Should().ContainSingle(l => l.Contains(":end:", StringComparison.Ordinal))
            .Which.Should().Contain("unplug-timed-out for dimmF");
    }

    [Fact]
    public void Replay_ChangedReturnCell_DiffersOnThatLine()
    {
        const string unusable = """{"rtas": "set-indicator", "args": [9003, "0x80000008", 0], "rets": [0]}""";
        int line = LineOf(ScenarioCatalog.DimmAddRemove, unusable);

        var outcome = TraceReplay.Doctored(ScenarioCatalog.DimmAddRemove, lines => Replace(lines, line, unusable.Replace("[0]}", "[-3]}", StringComparison.Ordinal)));

        outcome.Exit.Should().Be(ReplayCommand.ExitDiffer);
        outcome.Output.Should().Equal(
            $"dimm-add-remove.jsonl:{line}: set-indicator allocation unusable LMB 8 (0x80000008): QEMU returned [-3], the library [0]",
            "26 agree, 1 differ");
    }

    [Fact]
    public void Replay_MissingDeviceDeleted_DiffersOnTheCallThatCompletedTheUnplug()
    {
        const string deleted = """{"qmp": "DEVICE_DELETED", "id": "core1"}""";
        const string lastUnusable = """{"rtas": "set-indicator", "args": [9003, "0x10000001", 0], "rets": [0]}""";

        var outcome = TraceReplay.Doctored(ScenarioCatalog.CpuAddRemove, lines => [.. lines.Where(l => l != deleted)]);

        outcome.Exit.Should().Be(ReplayCommand.ExitDiffer);
        outcome.Output.Should().Equal(
            $"cpu-add-remove.jsonl:{LineOf(ScenarioCatalog.CpuAddRemove, lastUnusable)}: set-indicator allocation unusable CPU 1 (0x10000001): the library raised unplug-completed for core1; QEMU sent no DEVICE_DELETED",
            "41 agree, 1 differ");
    }

    [Fact]
    public void Replay_ExtraDeviceDeleted_DiffersOnTheQmpLine()
    {
        // The first-LMB refusal: QEMU never completes; a trace saying it did disagrees with the library.
        var outcome = TraceReplay.Doctored(ScenarioCatalog.DimmRefusedFirstLmb, lines => [.. lines, """{"qmp": "DEVICE_DELETED", "id": "dimmF"}"""]);

        outcome.Exit.Should().Be(ReplayCommand.ExitDiffer);
        outcome.Output[0].Should().Be("dimm-refused-first-lmb.jsonl:60: DEVICE_DELETED dimmF: QEMU sent it; the library raised no unplug-completed for dimmF at this point");
    }

    [Fact]
    public void Replay_ExtraEvent_DiffersInTheStatusAndTheEvent()
    {
        // A second Remove event dequeued after the host's single device_del: the library has none to give.
        int del = LineOf(ScenarioCatalog.DimmAddRemove, """{"host": "device_del", "id": "dimm1", "error": null}""");

        var outcome = TraceReplay.Doctored(ScenarioCatalog.DimmAddRemove, lines =>
        {
            lines.Insert(del + 1, lines[del]);
            return lines;
        });

        outcome.Exit.Should().Be(ReplayCommand.ExitDiffer);
        outcome.Output.Should().Equal(
            $"dimm-add-remove.jsonl:{del + 2}: check-exception mask 0x10000000: QEMU returned [0], the library [1]",
            $"dimm-add-remove.jsonl:{del + 2}: check-exception mask 0x10000000: QEMU's event {{type 2, action 2, identifier 4, index 0x80000008, count 2}}, the library's none",
            "27 agree, 1 differ");
    }

    [Fact]
    public void Replay_MalformedLine_ExitsTwoNamingTheLine()
    {
        var outcome = TraceReplay.Doctored(ScenarioCatalog.CpuAddRemove, lines => Replace(lines, 5, """{"rtas": "set-indicator", "args": [9003, "0x10000001", 1], "rets": "zero"}"""));

        outcome.Exit.Should().Be(ReplayCommand.ExitMalformed);
        outcome.Error.Should().StartWith("cpu-add-remove.jsonl:5: missing \"rets\"");
    }

    /// <summary>The 1-based number of the first line that is exactly <paramref name="text"/>.</summary>
    private static int LineOf(string scenario, string text)
    {
        int index = Array.IndexOf(File.ReadAllLines(CommittedFiles.Trace(scenario)), text);
        index.Should().BeGreaterThanOrEqualTo(0, $"the committed {scenario} trace should have the line {text}");
        return index + 1;
    }

    private static List<string> Replace(List<string> lines, int line, string text)
    {
        lines[line - 1] = text;
        return lines;
    }
}
