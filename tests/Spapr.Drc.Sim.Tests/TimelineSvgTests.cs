using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Spapr.Drc.Sim;
using Spapr.Drc.Sim.Pictures;
using Spapr.Drc.Sim.Runner;

namespace Spapr.Drc.Sim.Tests;

/// <summary>The swim-lane SVG of the seed story.</summary>
public sealed class TimelineSvgTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static string SeedStory => BuiltInScenarios.Read("01-seed-story.drc");

    private static XDocument SeedSvg()
    {
        var run = SimHarness.Run(SeedStory, source: "01-seed-story.drc");
        run.Exit.Should().Be(0);
        using var text = new StringWriter();
        TimelineSvg.Write(run.Recording!, "01-seed-story.drc", text);
        return XDocument.Parse(text.ToString());
    }

    private static List<JsonElement> SeedJson() =>
        [.. SimHarness.Run(SeedStory, json: true).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    private static IEnumerable<XElement> WithClass(XDocument doc, string cls) =>
        doc.Descendants().Where(e => ((string?)e.Attribute("class"))?.Split(' ').Contains(cls) == true);

    private static long Ms(XElement e, string name) => long.Parse((string)e.Attribute(name)!, CultureInfo.InvariantCulture);

    [Fact]
    public void Svg_SeedStory_IsWellFormedSvg()
    {
        var doc = SeedSvg();

        doc.Root!.Name.Should().Be(Svg + "svg");
    }

    [Fact]
    public void Svg_SeedStory_OneLanePerConnectorThatChanged()
    {
        var changed = SeedJson()
            .SelectMany(o => o.TryGetProperty("changes", out var c) ? c.EnumerateArray().Select(x => x.GetProperty("index").GetString()!) : [])
            .Distinct().Order().ToList();

        var lanes = WithClass(SeedSvg(), "lane").Select(l => (string)l.Attribute("data-index")!).ToList();

        changed.Should().Equal("0x10000000", "0x10000001");
        lanes.Should().Equal(changed);
    }

    [Fact]
    public void Svg_SeedStory_ShadesExactlyOneFifteenSecondTimeoutThatFired()
    {
        var windows = WithClass(SeedSvg(), "timeout-window").ToList();
        var fired = windows.Where(w => (string?)w.Attribute("data-expired") == "true").ToList();

        fired.Should().ContainSingle();
        (Ms(fired[0], "data-end-ms") - Ms(fired[0], "data-start-ms")).Should().Be(15_000);
        Ms(fired[0], "data-start-ms").Should().Be(1_000, "the unplug was requested at 1 s");
    }

    [Fact]
    public void Svg_SeedStory_RetryWindowStopsAtTheLateRelease()
    {
        var retry = WithClass(SeedSvg(), "timeout-window").Single(w => (string?)w.Attribute("data-expired") == "false");

        Ms(retry, "data-start-ms").Should().Be(21_000);
        Ms(retry, "data-end-ms").Should().Be(25_000);
    }

    [Fact]
    public void Svg_SeedStory_OneMarkerPerUnplugNotification()
    {
        var notifications = SeedJson()
            .Where(o => o.TryGetProperty("event", out var e) && e.ValueKind == JsonValueKind.String && e.GetString()!.StartsWith("unplug-", StringComparison.Ordinal))
            .Select(o => (o.GetProperty("event").GetString(), o.GetProperty("time_ms").GetInt64())).ToList();

        var markers = WithClass(SeedSvg(), "marker").Select(m => ((string?)m.Attribute("data-kind"), Ms(m, "data-time-ms"))).ToList();

        notifications.Should().Equal(("unplug-timed-out", 16_000L), ("unplug-completed", 25_000L));
        markers.Should().Equal(notifications);
    }

    [Fact]
    public void Svg_SeedStory_OneTickPerHotplugEvent()
    {
        int queued = SeedJson().Count(o => o.TryGetProperty("event", out var e) && e.ValueKind == JsonValueKind.String && e.GetString() == "hotplug-event-queued");

        WithClass(SeedSvg(), "event-tick").Should().HaveCount(queued).And.HaveCount(2);
    }

    [Fact]
    public void Svg_SeedStory_StateSegmentsFollowTheConnector()
    {
        var cpu1 = WithClass(SeedSvg(), "lane").Single(l => (string?)l.Attribute("data-index") == "0x10000001");
        var segments = cpu1.Elements(Svg + "rect").Where(r => (string?)r.Attribute("class") == "state")
            .Select(r => ((string?)r.Attribute("data-state"), Ms(r, "data-start-ms"), Ms(r, "data-end-ms"))).ToList();

        segments.Should().HaveCount(2);
        segments[0].Should().Be(("4", 0L, 25_000L));
        segments[1].Item1.Should().Be("1");
    }

    [Fact]
    public void Svg_CommittedSeedStory_MatchesGenerator()
    {
        var path = Path.Combine(SimHarness.RepositoryRoot(), "src", "Spapr.Drc.Sim", "Diagrams", "seed-story.svg");
        var scenario = Path.Combine(SimHarness.RepositoryRoot(), "src", "Spapr.Drc.Sim", "Scenarios", "01-seed-story.drc");

        var run = SimHarness.Cli("run", scenario, "--timeline", "svg");

        run.Exit.Should().Be(0);
        File.ReadAllText(path).ReplaceLineEndings("\n").Should().Be(run.Output.ReplaceLineEndings("\n"),
            "regenerate with: drcsim run src/Spapr.Drc.Sim/Scenarios/01-seed-story.drc --timeline svg > src/Spapr.Drc.Sim/Diagrams/seed-story.svg");
    }

    [Fact]
    public void Svg_TwoFiles_ExitsTwo()
    {
        var run = SimHarness.Cli("run", "a.drc", "b.drc", "--timeline", "svg");

        run.Exit.Should().Be(ScenarioRunner.ExitMalformed);
        run.Error.Should().Contain("exactly one file");
    }

    [Fact]
    public void Svg_UnknownFormat_ExitsTwo()
    {
        DrcsimCli.Run(["run", "a.drc", "--timeline", "png"], TextWriter.Null, TextWriter.Null, color: false).Should().Be(2);
    }
}
