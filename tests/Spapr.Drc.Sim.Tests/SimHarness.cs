using System.Text.Json;
using Spapr.Drc.Sim.Runner;

namespace Spapr.Drc.Sim.Tests;

/// <summary>Runs drcsim in-process with captured output.</summary>
internal static class SimHarness
{
    public static SimRun Run(string scenario, bool json = false, string source = "test.drc")
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var runner = new ScenarioRunner(output, error, json);
        int exit = runner.Run(source, scenario);
        return new SimRun(exit, output.ToString(), error.ToString(), runner.Recording);
    }

    public static SimRun Cli(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = Spapr.Drc.Sim.DrcsimCli.Run(args, output, error, color: false);
        return new SimRun(exit, output.ToString(), error.ToString(), null);
    }

    /// <summary>Runs a scenario with <c>--json</c> and returns its objects, commands and notifications in output order.</summary>
    public static List<JsonElement> Json(string scenario)
    {
        var run = Run(scenario, json: true);
        run.Exit.Should().Be(ScenarioRunner.ExitOk, run.Error);
        return [.. run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
    }

    /// <summary>The JSON object of the command on scenario line <paramref name="line"/>.</summary>
    public static JsonElement Command(this List<JsonElement> objects, int line) =>
        objects.Single(o => o.TryGetProperty("command", out _) && o.GetProperty("line").GetInt32() == line);

    /// <summary>The notifications of one kind ("unplug-completed"), in order.</summary>
    public static List<JsonElement> Notifications(this List<JsonElement> objects, string kind) =>
        [.. objects.Where(o => !o.TryGetProperty("command", out _) && o.GetProperty("event").GetString() == kind)];

    /// <summary>The repository root (where Drc.sln is), found from the test binaries.</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Drc.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Drc.sln not found above " + AppContext.BaseDirectory);
    }
}

internal sealed record SimRun(int Exit, string Output, string Error, RunRecording? Recording);
