using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spapr.Drc.RealGuest.Format;
using Spapr.Drc.RealGuest.Guest;
using Spapr.Drc.RealGuest.Qemu;

namespace Spapr.Drc.RealGuest.Recording;

/// <summary>
/// Records every scenario afresh: fetches and builds the guest, boots the one-node and the two-node machines side by
/// side (boots are the cost; two cores run both), and writes <c>Traces/*.jsonl</c> and <c>DeviceTree/*.json</c> under
/// the output directory. Each trace is checked against the format before it is written.
/// </summary>
public static class RealGuestRecorder
{
    public const string TracesFolder = "Traces";
    public const string DeviceTreeFolder = "DeviceTree";

    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(150);
    private static readonly JsonSerializerOptions FixtureJson = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <param name="outputDirectory">Gets Traces/ and DeviceTree/.</param>
    /// <param name="log">Progress, one line at a time.</param>
    /// <param name="keepWorkDirectory">Keep the raw console, kprobe and QEMU logs (their folder is in the result).</param>
    public static RecordingResult Record(string outputDirectory, Action<string> log, bool keepWorkDirectory = false)
    {
        var wall = Stopwatch.StartNew();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var childrenBefore = HostCpu.FinishedChildren();
        void Log(string line) => log(string.Create(CultureInfo.InvariantCulture, $"[{wall.Elapsed.TotalSeconds,5:F1} s] {line}"));
        var work = Directory.CreateTempSubdirectory("spapr-drc-realguest-run-");
        try
        {
            var image = GuestImage.Prepare(GuestImage.DefaultCacheDirectory, work.FullName, Log);
            var prepared = wall.Elapsed;
            Log($"guest image ready in {prepared.TotalSeconds:F1} s: {image.Packages.KernelPackage} {image.Packages.KernelPackageVersion}");

            var single = Task.Run(() => RunSession(MachineShape.SingleNode, image, Path.Combine(work.FullName, "one-node"), "[1 node] ", Log, s => SingleNodeScenarios.Record(s)));
            var two = Task.Run(() => RunSession(MachineShape.TwoNodes, image, Path.Combine(work.FullName, "two-node"), "[2 nodes] ", Log, s => TwoNodeScenarios.Record(s, m => Log("[2 nodes] " + m))));
            try
            {
                Task.WaitAll(single, two);
            }
            catch (AggregateException ex)
            {
                // Both machines usually fail for the same reason (no QEMU, no kernel): say it once.
                var reasons = ex.Flatten().InnerExceptions;
                var messages = reasons.Select(r => r.Message).Distinct(StringComparer.Ordinal).ToList();
                throw reasons.Count == 1 && reasons[0] is RealGuestException only
                    ? only
                    : new RealGuestException(string.Join(" || ", messages), ex);
            }

            var traces = new List<string>();
            var bestEffort = new List<string>();
            string tracesDir = Directory.CreateDirectory(Path.Combine(outputDirectory, TracesFolder)).FullName;
            foreach (var trace in single.Result.Traces.Concat(two.Result.Traces))
            {
                if (!image.Packages.IsPinnedKernel)
                {
                    trace.Note($"The pinned kernel {GuestPackages.PinnedKernel} was not downloadable; recorded with {image.Packages.KernelPackage} {image.Packages.KernelPackageVersion}.");
                }

                string text = trace.ToJsonLines();
                var problems = TraceFormatValidator.Validate(TraceDocument.Parse(trace.Name, text));
                if (problems.Count > 0)
                {
                    throw new RealGuestException($"The recorder wrote a malformed {trace.Name} trace: {string.Join("; ", problems)}");
                }

                string path = Path.Combine(tracesDir, ScenarioCatalog.FileName(trace.Name));
                File.WriteAllText(path, text);
                traces.Add(path);
                if (trace.BestEffort)
                {
                    bestEffort.Add(trace.Name);
                }
            }

            var fixtures = new List<string>();
            string fixturesDir = Directory.CreateDirectory(Path.Combine(outputDirectory, DeviceTreeFolder)).FullName;
            foreach (var (name, content) in single.Result.Fixtures)
            {
                string path = Path.Combine(fixturesDir, name);
                File.WriteAllText(path, content.ToJsonString(FixtureJson) + "\n");
                fixtures.Add(path);
            }

            return new RecordingResult(
                traces,
                fixtures,
                bestEffort,
                image.Packages.KernelRelease,
                image.Packages.IsPinnedKernel,
                wall.Elapsed,
                prepared,
                Process.GetCurrentProcess().TotalProcessorTime - cpuBefore,
                single.Result.QemuCpuTime + two.Result.QemuCpuTime,
                HostCpu.FinishedChildren() - childrenBefore,
                keepWorkDirectory ? work.FullName : null);
        }
        finally
        {
            if (!keepWorkDirectory)
            {
                try
                {
                    work.Delete(recursive: true);
                }
                catch (IOException)
                {
                    // A leftover temporary folder is not worth failing a recording over.
                }
            }
        }
    }

    private static SessionRecording RunSession(MachineShape shape, GuestImage image, string directory, string prefix, Action<string> log, Func<GuestSession, SessionRecording> scenarios)
    {
        Directory.CreateDirectory(directory);
        var started = Stopwatch.StartNew();
        using var session = GuestSession.Start(shape, image, directory, BootTimeout, m => log(prefix + m));
        log($"{prefix}guest ready and probes armed after {started.Elapsed.TotalSeconds:F1} s");
        var result = scenarios(session);

        // The guest kernel's own messages (dlpar pr_info/pr_err), for the raw logs kept with DRC_REALGUEST_KEEP=1.
        File.WriteAllLines(Path.Combine(directory, "dmesg.log"), session.Shell("dmesg"));
        log($"{prefix}done after {started.Elapsed.TotalSeconds:F1} s, QEMU CPU {result.QemuCpuTime.TotalSeconds:F1} s");
        return result;
    }
}
