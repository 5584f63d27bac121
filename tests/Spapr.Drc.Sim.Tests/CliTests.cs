namespace Spapr.Drc.Sim.Tests;

public sealed class CliTests
{
    [Fact]
    public void Help_Root_ListsRunAndDemo()
    {
        var run = SimHarness.Cli("--help");

        run.Exit.Should().Be(0);
        run.Output.Should().Contain("run <file>").And.Contain("demo");
    }

    [Fact]
    public void Version_Root_PrintsPackageVersion()
    {
        var run = SimHarness.Cli("--version");

        run.Exit.Should().Be(0);
        run.Output.Should().StartWith(PackageVersion(), "drcsim reports the package version");
    }

    /// <summary>The Version that Directory.Build.props gives every package, read from the repository.</summary>
    private static string PackageVersion()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")))
        {
            dir = dir.Parent ?? throw new InvalidOperationException("Directory.Build.props not found above " + AppContext.BaseDirectory);
        }

        var props = System.Xml.Linq.XDocument.Load(Path.Combine(dir.FullName, "Directory.Build.props"));
        return props.Descendants("Version").Single().Value;
    }

    [Fact]
    public void Run_MissingFile_ExitsTwoWithMessage()
    {
        var path = Path.Combine(Path.GetTempPath(), "drcsim-no-such-" + Guid.NewGuid().ToString("N") + ".drc");

        var run = SimHarness.Cli("run", path);

        run.Exit.Should().Be(2);
        run.Error.Should().StartWith(path + ": cannot read the scenario");
    }

    [Fact]
    public void Run_NoFileArgument_ExitsTwoWithUsageHint()
    {
        var run = SimHarness.Cli("run");

        run.Exit.Should().Be(2);
        run.Error.Should().Contain("Run 'drcsim --help' for usage.");
    }

    [Fact]
    public void Run_FileOnDisk_RunsIt()
    {
        var path = Path.Combine(Path.GetTempPath(), "drcsim-" + Guid.NewGuid().ToString("N") + ".drc");
        File.WriteAllText(path, "connector cpu 0\nshow\nexpect CPU 0 (0x10000000)\n");
        try
        {
            var run = SimHarness.Cli("run", path);

            run.Exit.Should().Be(0);
            run.Output.Should().Contain("created CPU 0 (0x10000000)");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Run_NotATerminal_WritesNoAnsiColour()
    {
        var run = SimHarness.Cli("demo");

        run.Output.Should().NotContain("\u001b[");
    }
}
