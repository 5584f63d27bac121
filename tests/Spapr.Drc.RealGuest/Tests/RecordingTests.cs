using Spapr.Drc.RealGuest.Format;
using Spapr.Drc.RealGuest.Recording;
using Xunit.Abstractions;

namespace Spapr.Drc.RealGuest.Tests;

/// <summary>
/// Records every scenario afresh under QEMU 7.2 with the real Linux guest, checks the same facts as the committed
/// traces, and replays every fresh trace against the library (drcsim replay): each must agree line for line. Runs
/// under CI=true or DRC_REALGUEST=record; DRC_REALGUEST_OUTPUT=&lt;dir&gt; keeps the files there (that is how the
/// committed ones are regenerated, see README.md).
/// </summary>
[Collection(RealGuestCollection.Name)]
public sealed class RecordingTests
{
    private readonly ITestOutputHelper _output;

    public RecordingTests(ITestOutputHelper output) => _output = output;

    [RealGuestFact]
    public void Record_EveryScenario_TracesShowTheScenarioFactsAndReplayWithoutDifference()
    {
        string? requested = RealGuestSettings.OutputDirectory;
        string output = requested ?? Directory.CreateTempSubdirectory("spapr-drc-realguest-out-").FullName;
        try
        {
            var result = RealGuestRecorder.Record(output, line => _output.WriteLine(line), RealGuestSettings.KeepWorkDirectory);
            _output.WriteLine(
                $"recorded {result.TraceFiles.Count} traces and {result.FixtureFiles.Count} fixtures with {result.KernelRelease} " +
                $"(pinned: {result.PinnedKernel}) in {result.Wall.TotalSeconds:F1} s wall (guest image {result.PrepareWall.TotalSeconds:F1} s); " +
                $"CPU: recorder {result.RecorderCpu.TotalSeconds:F1} s, QEMU {result.QemuCpu.TotalSeconds:F1} s, all finished children (QEMU, apt, dpkg) {result.ChildrenCpu.TotalSeconds:F1} s; " +
                $"best effort: [{string.Join(", ", result.BestEffortScenarios)}]" +
                (result.KeptWorkDirectory is { } kept ? $"; raw logs in {kept}" : string.Empty));

            foreach (var scenario in ScenarioCatalog.Names)
            {
                string trace = Path.Combine(output, RealGuestRecorder.TracesFolder, ScenarioCatalog.FileName(scenario));
                TraceChecks.AssertWellFormedWithFacts(scenario, trace);
                TraceReplay.AssertAgrees(trace);
                _output.WriteLine($"replayed {ScenarioCatalog.FileName(scenario)}: {TraceReplay.File(trace).Output[^1]}");
            }

            result.FixtureFiles.Select(Path.GetFileName).Should().Contain("rtas.json").And.Contain("dynamic-reconfiguration-memory-after-plug.json");
        }
        finally
        {
            if (requested is null)
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }
}
