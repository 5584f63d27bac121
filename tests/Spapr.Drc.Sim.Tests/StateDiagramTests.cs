using System.Text.RegularExpressions;
using Spapr.Drc.Sim.Pictures;

namespace Spapr.Drc.Sim.Tests;

/// <summary>The generated state diagrams hold exactly the transitions of SPEC section 3.</summary>
public sealed partial class StateDiagramTests
{
    /// <summary>One edge: from, to, indicator (isolation/allocation), value, status, releases, rejects.</summary>
    private readonly record struct Edge(int From, int To, string Indicator, int Value, int Status, bool Release, bool Reject);

    // SPEC section 3, logical class, written out row by row. States: 1 Unusable, 2 Available, 3 Unisolate, 4 Configured.
    private static readonly Edge[] LogicalFromSpec =
    [
        // Isolate: Available/Unusable no-op 0; Unisolate -3; Configured: LMB without request -1, else -> Available 0 (no release).
        new(2, 2, "isolation", 0, 0, false, false),
        new(1, 1, "isolation", 0, 0, false, false),
        new(3, 3, "isolation", 0, -3, false, false),
        new(4, 4, "isolation", 0, -1, false, false),
        new(4, 2, "isolation", 0, 0, false, false),

        // Unisolate: Unusable -3; Available -> Unisolate 0; Unisolate/Configured 0 unchanged, rejecting a pending unplug.
        new(1, 1, "isolation", 1, -3, false, false),
        new(2, 3, "isolation", 1, 0, false, false),
        new(3, 3, "isolation", 1, 0, false, true),
        new(3, 3, "isolation", 1, 0, false, false),
        new(4, 4, "isolation", 1, 0, false, true),
        new(4, 4, "isolation", 1, 0, false, false),

        // Allocation usable: Available/Unisolate/Configured no-op 0; Unusable: no device -3, unplug requested -3, else -> Available 0.
        new(2, 2, "allocation", 1, 0, false, false),
        new(3, 3, "allocation", 1, 0, false, false),
        new(4, 4, "allocation", 1, 0, false, false),
        new(1, 1, "allocation", 1, -3, false, false),
        new(1, 1, "allocation", 1, -3, false, false),
        new(1, 2, "allocation", 1, 0, false, false),

        // Allocation unusable: Unusable no-op 0; Available -> Unusable 0 releasing a pending unplug; Unisolate/Configured -3.
        new(1, 1, "allocation", 0, 0, false, false),
        new(2, 1, "allocation", 0, 0, true, false),
        new(3, 3, "allocation", 0, -3, false, false),
        new(4, 4, "allocation", 0, -3, false, false),
    ];

    // SPEC section 3, physical class. States: 6 PowerOn, 7 Unisolate, 8 Configured.
    private static readonly Edge[] PhysicalFromSpec =
    [
        // Isolate: PowerOn no-op 0; Unisolate -3; Configured -> PowerOn 0, releasing a pending unplug.
        new(6, 6, "isolation", 0, 0, false, false),
        new(7, 7, "isolation", 0, -3, false, false),
        new(8, 6, "isolation", 0, 0, true, false),

        // Unisolate: Unisolate/Configured no-op 0; PowerOn: no device -3, else -> Unisolate 0.
        new(7, 7, "isolation", 1, 0, false, false),
        new(8, 8, "isolation", 1, 0, false, false),
        new(6, 6, "isolation", 1, -3, false, false),
        new(6, 7, "isolation", 1, 0, false, false),
    ];

    [GeneratedRegex("""^\s*s(?<from>\d+) (?<arrow>-->|==>|-\.->)\|"(?<label>[^"]*)"\| s(?<to>\d+)$""")]
    private static partial Regex EdgeLine();

    [GeneratedRegex("""^(?<indicator>isolation|allocation)=(?<value>\d) (isolate|unisolate|usable|unusable)( if [a-zA-Z ]+| otherwise)?: (?<status>-?\d+) [A-Za-z]+(?<effects>(, [A-Za-z ]+)*)$""")]
    private static partial Regex Label();

    [GeneratedRegex("""^\s*s(?<n>\d+)\(\["(?<n2>\d+) (?<name>[A-Za-z]+)"\]\)$""")]
    private static partial Regex NodeLine();

    private static List<Edge> ParseEdges(string mermaid)
    {
        var edges = new List<Edge>();
        foreach (var line in mermaid.Split('\n'))
        {
            var m = EdgeLine().Match(line);
            if (!m.Success)
            {
                continue;
            }

            var label = Label().Match(m.Groups["label"].Value);
            label.Success.Should().BeTrue($"every edge label is call=value, condition, status: '{m.Groups["label"].Value}'");
            var effects = label.Groups["effects"].Value;
            int status = int.Parse(label.Groups["status"].Value, System.Globalization.CultureInfo.InvariantCulture);
            bool release = effects.Contains("RELEASE", StringComparison.Ordinal);
            m.Groups["arrow"].Value.Should().Be(status != 0 ? "-.->" : release ? "==>" : "-->", "refusals are dotted and releases thick");
            edges.Add(new Edge(
                int.Parse(m.Groups["from"].Value, System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(m.Groups["to"].Value, System.Globalization.CultureInfo.InvariantCulture),
                label.Groups["indicator"].Value,
                int.Parse(label.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture),
                status,
                release,
                effects.Contains("reject unplug", StringComparison.Ordinal)));
        }

        return edges;
    }

    [Fact]
    public void Mermaid_Logical_HasExactlyTheTransitionsOfSpecSection3()
    {
        var edges = ParseEdges(StateDiagram.Mermaid(DrcClass.Logical));

        edges.Should().BeEquivalentTo(LogicalFromSpec);
    }

    [Fact]
    public void Mermaid_Physical_HasExactlyTheTransitionsOfSpecSection3()
    {
        var edges = ParseEdges(StateDiagram.Mermaid(DrcClass.Physical));

        edges.Should().BeEquivalentTo(PhysicalFromSpec);
    }

    [Theory]
    [InlineData(DrcClass.Logical, new[] { "1 LogicalUnusable", "2 LogicalAvailable", "3 LogicalUnisolate", "4 LogicalConfigured" })]
    [InlineData(DrcClass.Physical, new[] { "6 PhysicalPowerOn", "7 PhysicalUnisolate", "8 PhysicalConfigured" })]
    public void Mermaid_Nodes_AreTheStatesWithTheirNumbers(DrcClass drcClass, string[] states)
    {
        var nodes = StateDiagram.Mermaid(drcClass).Split('\n').Select(l => NodeLine().Match(l)).Where(m => m.Success)
            .Select(m => $"{m.Groups["n2"].Value} {m.Groups["name"].Value}").ToList();

        nodes.Should().Equal(states);
    }

    [Theory]
    [InlineData("logical", DrcClass.Logical)]
    [InlineData("physical", DrcClass.Physical)]
    public void Diagram_CommittedFile_MatchesGenerator(string name, DrcClass drcClass)
    {
        var path = Path.Combine(SimHarness.RepositoryRoot(), "src", "Spapr.Drc.Sim", "Diagrams", name + ".mmd");

        File.ReadAllText(path).ReplaceLineEndings("\n").Should().Be(StateDiagram.Mermaid(drcClass),
            $"the committed diagram is regenerated with: drcsim diagram --class {name} > src/Spapr.Drc.Sim/Diagrams/{name}.mmd");
    }

    [Fact]
    public void Diagram_CliDefault_IsLogicalMermaid()
    {
        var run = SimHarness.Cli("diagram");

        run.Exit.Should().Be(0);
        run.Output.Should().Be(StateDiagram.Mermaid(DrcClass.Logical));
    }

    [Fact]
    public void Diagram_CliDot_HasEveryPhysicalTransition()
    {
        var run = SimHarness.Cli("diagram", "--class", "physical", "--format", "dot");

        run.Exit.Should().Be(0);
        run.Output.Should().StartWith("// The physical").And.Contain("digraph physical {");
        run.Output.Split('\n').Count(l => l.Contains(" -> ", StringComparison.Ordinal)).Should().Be(PhysicalFromSpec.Length);
        run.Output.Should().Contain("s8 -> s6 [label=\"isolation=0 isolate: 0 Success, RELEASE if unplug pending\", style=bold");
    }

    [Fact]
    public void Diagram_CliUnknownClass_ExitsTwo()
    {
        var run = SimHarness.Cli("diagram", "--class", "virtual");

        run.Exit.Should().Be(2);
        run.Error.Should().Contain("virtual");
    }
}
