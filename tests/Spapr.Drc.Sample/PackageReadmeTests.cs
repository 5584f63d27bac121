using System.Text.RegularExpressions;

namespace Spapr.Drc.Sample;

/// <summary>
/// Keeps the package README (src/Spapr.Drc/README.md, the nuget.org page) true: each of its C# blocks is the code of
/// a method or type of this project, character for character except indentation, and those methods run here. Edit
/// the code, then copy it into the README.
/// </summary>
public sealed partial class PackageReadmeTests
{
    private static readonly string Root = FindRoot();
    private static readonly string Readme = Read("src/Spapr.Drc/README.md");

    [Fact]
    public void PackageReadme_CSharpBlocks_AreTheSampleCodeInOrder()
    {
        var quickStart = Read("tests/Spapr.Drc.Sample/QuickStart.cs");
        var examples = Read("tests/Spapr.Drc.Sample/ReadmeExamples.cs");
        (string Name, IEnumerable<string> Lines)[] expected =
        [
            ("QuickStart.Run, with QuickStart.cs's usings", UsingLines(quickStart).Append(string.Empty).Concat(MethodBody(quickStart, nameof(QuickStart.Run)))),
            ("GuestMemory.cs", AfterNamespace(Read("tests/Spapr.Drc.Sample/GuestMemory.cs"))),
            ("ReadmeExamples.UnplugTimeouts", MethodBody(examples, nameof(ReadmeExamples.UnplugTimeouts))),
            ("ReadmeExamples.Migration", MethodBody(examples, nameof(ReadmeExamples.Migration))),
            ("ReadmeExamples.DeviceTree", MethodBody(examples, nameof(ReadmeExamples.DeviceTree))),
        ];

        var blocks = CSharpBlocks(Readme).ToArray();

        blocks.Should().HaveCount(expected.Length, "every C# block of the README is sample code that runs");
        for (int i = 0; i < expected.Length; i++)
        {
            blocks[i].Split('\n').Should().Equal(expected[i].Lines, $"C# block {i + 1} of the README is {expected[i].Name} (copy it from tests/Spapr.Drc.Sample)");
        }
    }

    [Fact]
    public void PackageReadme_Links_AreAbsoluteHttpsAndNoImages()
    {
        // nuget.org shows the README without the repository around it: a relative link or image would be broken.
        var targets = MarkdownLinks().Matches(Readme).Select(m => m.Groups["target"].Value).ToArray();

        targets.Should().NotBeEmpty().And.OnlyContain(t => t.StartsWith("https://", StringComparison.Ordinal));
        Readme.Should().NotContain("![").And.NotContain("<img");
    }

    [Fact]
    public void PackageProject_PackageReadmeFile_PacksThePackageReadme()
    {
        var project = Read("src/Spapr.Drc/Spapr.Drc.csproj");

        project.Should().Contain("<PackageReadmeFile>README.md</PackageReadmeFile>")
            .And.Contain("<None Include=\"README.md\" Pack=\"true\" PackagePath=\"\\\" />")
            .And.NotContain("..\\..\\README.md");
    }

    private static string Read(string path) =>
        File.ReadAllText(Path.Combine(Root, path.Replace('/', Path.DirectorySeparatorChar))).ReplaceLineEndings("\n");

    private static IEnumerable<string> UsingLines(string source) =>
        source.Split('\n').Where(line => line.StartsWith("using ", StringComparison.Ordinal));

    private static IEnumerable<string> AfterNamespace(string source) =>
        source.TrimEnd('\n').Split('\n').SkipWhile(line => !line.StartsWith("namespace ", StringComparison.Ordinal)).Skip(2);

    /// <summary>The lines of a method's body, without the method's indentation.</summary>
    private static IEnumerable<string> MethodBody(string source, string method)
    {
        var lines = source.Split('\n');
        int start = Array.IndexOf(lines, $"    public static void {method}()");
        start.Should().BeGreaterThan(0, $"the method {method} is in the file");
        lines[start + 1].Should().Be("    {");
        int end = Array.IndexOf(lines, "    }", start + 2);
        return lines[(start + 2)..end].Select(line => line.Length >= 8 ? line[8..] : line.TrimStart());
    }

    /// <summary>The README's C# code blocks, without the block's indentation.</summary>
    private static IEnumerable<string> CSharpBlocks(string markdown) =>
        CSharpBlock().Matches(markdown).Select(m => m.Groups["code"].Value.TrimEnd('\n'));

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

    [GeneratedRegex(@"^```csharp\n(?<code>.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)(\s+""[^""]*"")?\)")]
    private static partial Regex MarkdownLinks();
}
