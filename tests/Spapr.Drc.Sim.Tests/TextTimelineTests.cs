using Spapr.Drc.Sim.Runner;

namespace Spapr.Drc.Sim.Tests;

/// <summary>The timeline for people: time, connector name and index, old -> new state, status names, time left.</summary>
public sealed class TextTimelineTests
{
    private const string Story = """
        connector cpu 0 2
        plug cpu 1 cold as core1
        unplug core1
        advance 15s
        rtas set-indicator isolation 0x10000001 0
        rtas set-indicator isolation 0x10000001 5
        """;

    private static string[] Lines(string scenario, bool color = false)
    {
        using var output = new StringWriter();
        new ScenarioRunner(output, TextWriter.Null, color: color).Run("t.drc", scenario).Should().Be(0);
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public void Timeline_Command_ShowsVirtualTimeLineAndText()
    {
        Lines(Story).Should().Contain(l => l.StartsWith("   0.000s  L3    unplug core1  -> requested", StringComparison.Ordinal));
    }

    [Fact]
    public void Timeline_Unplug_ShowsTimeLeft()
    {
        Lines(Story).Should().Contain(l => l.Contains("unplug core1", StringComparison.Ordinal) && l.EndsWith("[15.000s left]", StringComparison.Ordinal));
    }

    [Fact]
    public void Timeline_StateChange_ShowsNameIndexOldAndNew()
    {
        Lines(Story).Should().Contain(l => l.Trim() == "CPU 1 (0x10000001): 4 LogicalConfigured -> 2 LogicalAvailable");
    }

    [Fact]
    public void Timeline_Status_ShowsCodeAndName()
    {
        Lines(Story).Should().Contain(l => l.EndsWith("rtas set-indicator isolation 0x10000001 5  -> -3 (ParameterError)", StringComparison.Ordinal));
    }

    [Fact]
    public void Timeline_Notification_OnItsOwnLineAtItsVirtualTime()
    {
        Lines(Story).Should().Contain(l => l.StartsWith("  15.000s  * unplug-timed-out  CPU 1 (0x10000001)", StringComparison.Ordinal));
    }

    [Fact]
    public void Timeline_ColourRequested_PaintsWithAnsi()
    {
        Lines(Story, color: true).Should().Contain(l => l.Contains("\u001b[32m", StringComparison.Ordinal));
    }

    [Fact]
    public void Timeline_NoColour_HasNoEscapes()
    {
        Lines(Story).Should().NotContain(l => l.Contains('\u001b', StringComparison.Ordinal));
    }

    [Fact]
    public void Advance_GuestPaused_TimeoutWaitsForGuestTime()
    {
        var lines = Lines("""
            connector cpu 0 2
            plug cpu 1 cold
            unplug cpu 1
            pause
            advance 1m
            resume
            advance 15s
            """);

        lines.Should().Contain(l => l.StartsWith("  75.000s  * unplug-timed-out", StringComparison.Ordinal));
    }
}
