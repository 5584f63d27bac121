namespace Spapr.Drc.Tests;

/// <summary>The README shows code and pictures that also live elsewhere; these tests keep the copies identical.</summary>
public sealed class ReadmeTests
{
    private static readonly string Root = FindRoot();
    private static readonly string Readme = File.ReadAllText(Path.Combine(Root, "README.md")).ReplaceLineEndings("\n");

    [Theory]
    [InlineData("logical.mmd")]
    [InlineData("physical.mmd")]
    public void Readme_StateDiagram_IsTheCommittedGeneratedDiagram(string file)
    {
        var diagram = File.ReadAllText(Path.Combine(Root, "src", "Spapr.Drc.Sim", "Diagrams", file)).ReplaceLineEndings("\n").TrimEnd();

        Readme.Should().Contain("```mermaid\n" + diagram + "\n```");
    }

    [Theory]
    [InlineData("tests/Spapr.Drc.Tests/QuickStartTests.cs", "// --- README quick start begins ---", "// --- README quick start ends ---")]
    [InlineData("tests/Spapr.Drc.Tests/Unplug/ReadmeSeedStoryTests.cs", "// --- README \"Unplug timeouts\" example: begin ---", "// --- README \"Unplug timeouts\" example: end ---")]
    [InlineData("tests/Spapr.Drc.Tests/DeviceTree/ReadmeDeviceTreeExampleTests.cs", "// --- README \"Device tree\" example: begin ---", "// --- README \"Device tree\" example: end ---")]
    public void Readme_CodeExample_IsTheCodeTheTestsRun(string testFile, string begin, string end)
    {
        var source = File.ReadAllText(Path.Combine(Root, testFile)).ReplaceLineEndings("\n");
        int from = source.IndexOf(begin, StringComparison.Ordinal) + begin.Length;
        int to = source.IndexOf(end, from, StringComparison.Ordinal);
        var lines = source[from..to].Trim('\n').Split('\n').Select(l => l.Length >= 8 ? l[8..] : l.TrimStart());

        foreach (var line in lines.Where(l => l.Trim().Length > 0))
        {
            Readme.Should().Contain(line.TrimEnd(), $"the README's copy of {testFile} must match the tested code");
        }
    }

    [Fact]
    public void Readme_TwoCommands_AreShown()
    {
        Readme.Should().Contain("dotnet run --project src/Spapr.Drc.Sim -- demo").And.Contain("dotnet test Drc.sln -c Release");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Drc.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Drc.sln not found above " + AppContext.BaseDirectory);
    }
}
