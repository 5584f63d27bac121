using System.Text.Json;

namespace Spapr.Drc.Sim.Tests;

/// <summary><c>show</c> lists, after the connector rows, each pending unplug as the library describes it.</summary>
public sealed class ShowPendingTests
{
    // Lines 1-4; the commands under test follow from line 5.
    private const string TwoDevices = """
        connector cpu 0 2
        connector lmb 8 4
        plug cpu 1 cold as core1
        plug lmb 8 lmbs 4 cold as dimm0
        """;

    private static string Scenario(params string[] lines) => TwoDevices + "\n" + string.Join("\n", lines) + "\n";

    private static string[] ShowLines(string scenario, int showLine)
    {
        var run = SimHarness.Run(scenario);
        run.Exit.Should().Be(0, run.Error);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int start = Array.FindIndex(lines, l => l.Contains($"L{showLine} ", StringComparison.Ordinal));
        return [.. lines.Skip(start + 1).TakeWhile(l => l.StartsWith("                 ", StringComparison.Ordinal)).Select(l => l.Trim())];
    }

    private static JsonElement PendingOf(string scenario, int showLine) =>
        SimHarness.Json(scenario).Command(showLine).GetProperty("pending");

    [Fact]
    public void Show_PendingUnplug_AddsOneLinePerDeviceAfterTheConnectorRows()
    {
        var lines = ShowLines(Scenario("unplug core1", "unplug dimm0", "show"), showLine: 7);

        lines.Should().HaveCount(6 + 2);
        lines[6].Should().StartWith("core1: request ");
        lines[7].Should().StartWith("dimm0: request ");
    }

    [Fact]
    public void Show_PendingUnplugAfterOneLmbReleased_SaysWhichLmbsAreHeld()
    {
        var lines = ShowLines(Scenario("unplug dimm0", "guest remove lmb 9", "show"), showLine: 7);

        lines[^1].Should().Contain("LMB 9 released, LMB 8, 10-11 held");
    }

    [Fact]
    public void Show_OneConnector_ListsOnlyThePendingUnplugOfItsDevice()
    {
        var lines = ShowLines(Scenario("unplug core1", "unplug dimm0", "show lmb 10"), showLine: 7);

        lines.Should().HaveCount(2);
        lines[1].Should().StartWith("dimm0: request ");
    }

    [Fact]
    public void Show_NothingPending_PrintsConnectorRowsOnly()
    {
        var lines = ShowLines(Scenario("show"), showLine: 5);

        lines.Should().HaveCount(6).And.OnlyContain(l => l.Contains("  state ", StringComparison.Ordinal));
    }

    [Fact]
    public void Json_ShowNothingPending_HasAnEmptyPendingArray()
    {
        PendingOf(Scenario("show"), 5).GetArrayLength().Should().Be(0);
    }

    [Fact]
    public void Json_ShowPending_HasRequestIdDeviceIndexWaitingRetriesTimedOut()
    {
        var pending = PendingOf(Scenario("unplug dimm0", "show"), 6).EnumerateArray().Single();

        pending.GetProperty("request_id").GetInt64().Should().BePositive();
        pending.GetProperty("device").GetString().Should().Be("dimm0");
        pending.GetProperty("index").GetString().Should().Be("0x80000008");
        pending.GetProperty("waiting").EnumerateArray().Select(w => w.GetString()).Should().Equal("0x80000008", "0x80000009", "0x8000000A", "0x8000000B");
        pending.GetProperty("retries").GetInt32().Should().Be(0);
        pending.GetProperty("timed_out").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public void Json_ShowPendingWithoutTimeout_RemainingMsIsNull()
    {
        // Memory has a 2-minute default: the machine line takes it away (everything moves down a line).
        var pending = PendingOf("machine lmb-timeout=none\n" + Scenario("unplug dimm0", "show"), 7).EnumerateArray().Single();

        pending.GetProperty("remaining_ms").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public void Json_ShowPendingMemoryWithTheDefaultTimeout_RemainingMsIsTwoMinutes()
    {
        var pending = PendingOf(Scenario("unplug dimm0", "show"), 6).EnumerateArray().Single();

        pending.GetProperty("remaining_ms").GetInt64().Should().Be(120_000, "memory's default unplug timeout is 2 minutes");
    }

    [Fact]
    public void Json_ShowPendingWithTimeout_RemainingMsIsTheTimeLeft()
    {
        var pending = PendingOf(Scenario("unplug core1", "advance 5s", "show"), 7).EnumerateArray().Single();

        pending.GetProperty("remaining_ms").GetInt64().Should().Be(10_000, "a CPU unplug times out after 15 s (SPEC section 6)");
    }

    [Fact]
    public void Json_ShowPendingAfterTimeout_IsTimedOutWithNothingLeft()
    {
        var pending = PendingOf(Scenario("unplug core1", "advance 16s", "show"), 7).EnumerateArray().Single();

        pending.GetProperty("timed_out").GetBoolean().Should().BeTrue();
        pending.GetProperty("remaining_ms").GetInt64().Should().Be(0);
    }

    [Fact]
    public void Json_ShowPendingAfterRetry_CountsTheRetry()
    {
        var pending = PendingOf(Scenario("unplug core1", "advance 16s", "unplug core1", "show"), 8).EnumerateArray().Single();

        pending.GetProperty("retries").GetInt32().Should().Be(1);
    }
}
