using Spapr.Drc.Sim.Runner;

namespace Spapr.Drc.Sim.Tests;

public sealed class BuiltInScenarioTests
{
    public static TheoryData<string> Scenarios()
    {
        var data = new TheoryData<string>();
        foreach (var name in BuiltInScenarios.Names)
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Run_BuiltInScenario_EveryExpectHolds(string name)
    {
        var run = SimHarness.Run(BuiltInScenarios.Read(name), source: name);

        run.Error.Should().BeEmpty();
        run.Exit.Should().Be(ScenarioRunner.ExitOk);
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Run_BuiltInScenario_HasExpectLines(string name)
    {
        BuiltInScenarios.Read(name).Split('\n').Count(l => l.TrimStart().StartsWith("expect ", StringComparison.Ordinal))
            .Should().BeGreaterThanOrEqualTo(3, "a built-in scenario is an example that checks itself");
    }

    [Fact]
    public void Names_Embedded_AreTheStoriesOfIssue6AndMigration()
    {
        BuiltInScenarios.Names.Should().Equal("01-seed-story.drc", "02-memory-rejected.drc", "03-pci-reset.drc", "04-timeout-policies.drc", "05-migration.drc");
    }

    [Fact]
    public void Demo_AllScenarios_ExitsZero()
    {
        var run = SimHarness.Cli("demo");

        run.Error.Should().BeEmpty();
        run.Exit.Should().Be(0);
        run.Output.Should().Contain("== 01-seed-story.drc ==").And.Contain("unplug-timed-out");
    }

    [Fact]
    public void Demo_Json_EveryLineIsAJsonObject()
    {
        var run = SimHarness.Cli("demo", "--json");

        run.Exit.Should().Be(0);
        foreach (var line in run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = System.Text.Json.JsonDocument.Parse(line);
            doc.RootElement.ValueKind.Should().Be(System.Text.Json.JsonValueKind.Object);
        }
    }
}
