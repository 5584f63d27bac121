using System.Text.Json;

namespace Spapr.Drc.Sim.Tests;

/// <summary>
/// A memory Add by count (a guest that did not negotiate indexed events, SPEC section 4) names no connector: the
/// JSON output writes its index as null, not as an empty string.
/// </summary>
public sealed class CountEventJsonTests
{
    private const string AddByCount = """
        connector lmb 8 2
        plug lmb 8 lmbs 2 as dimm0
        check-exception
        """;

    [Fact]
    public void Json_CheckExceptionOfAddByCount_EventIndexIsNull()
    {
        var e = SimHarness.Json(AddByCount).Command(3).GetProperty("event");

        e.GetProperty("identifier").GetString().Should().Be("drc-count");
        e.GetProperty("index").ValueKind.Should().Be(JsonValueKind.Null);
        e.GetProperty("count").GetInt32().Should().Be(2);
    }

    [Fact]
    public void Json_HotplugEventQueuedForAddByCount_IndexIsNull()
    {
        var queued = SimHarness.Json(AddByCount).Notifications("hotplug-event-queued").Should().ContainSingle().Subject;

        queued.GetProperty("index").ValueKind.Should().Be(JsonValueKind.Null);
        queued.GetProperty("name").GetString().Should().Be("memory");
    }

    [Fact]
    public void Timeline_HotplugEventQueuedForAddByCount_NamesNoConnector()
    {
        var run = SimHarness.Run(AddByCount);

        run.Output.Should().Contain("* hotplug-event-queued  memory: add memory by drc-count count 2").And.NotContain("0x00000000");
    }
}
