using Spapr.Drc.Sim.Replay;

namespace Spapr.Drc.RealGuest.Tests;

/// <summary>
/// Replays a trace against the library with drcsim's replayer, in-process (<c>drcsim replay &lt;trace&gt;</c>), for
/// the committed traces and for every fresh recording.
/// </summary>
public static class TraceReplay
{
    public static ReplayOutcome File(string path, bool timeouts = false)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = ReplayCommand.RunFile(path, output, error, json: false, timeouts);
        return new ReplayOutcome(exit, output.ToString().ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'), error.ToString());
    }

    /// <summary>Replays a doctored copy of a committed trace (written to a temporary file named like the original).</summary>
    public static ReplayOutcome Doctored(string scenario, Func<List<string>, List<string>> doctor)
    {
        var lines = System.IO.File.ReadAllLines(CommittedFiles.Trace(scenario)).ToList();
        var folder = Directory.CreateTempSubdirectory("spapr-drc-doctored-");
        try
        {
            string path = Path.Combine(folder.FullName, Path.GetFileName(CommittedFiles.Trace(scenario)));
            System.IO.File.WriteAllLines(path, doctor(lines));
            return File(path);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Asserts that a trace replays with no difference, showing the replay's output when it does not.</summary>
    public static void AssertAgrees(string path)
    {
        var outcome = File(path);
        outcome.Exit.Should().Be(ReplayCommand.ExitAgree, $"every line of {path} should agree with the library; drcsim replay said:{Environment.NewLine}{string.Join(Environment.NewLine, outcome.Output)}{outcome.Error}");
        outcome.Output[^1].Should().EndWith(" agree, 0 differ");
    }
}
