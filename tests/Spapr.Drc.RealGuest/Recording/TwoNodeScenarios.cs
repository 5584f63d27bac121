using System.Globalization;
using System.Text.Json.Nodes;
using Spapr.Drc.RealGuest.Format;
using Spapr.Drc.RealGuest.Guest;

namespace Spapr.Drc.RealGuest.Recording;

/// <summary>
/// The two DIMM refusals, on the two-node machine (node 1 memoryless at boot, CPU core 1 on node 1). Linux offlines a
/// DIMM's LMBs in order and fails on one holding unmovable memory. Processes forked on a node-1 CPU get their kernel
/// stacks and page tables from node 1, so making one LMB the only free node-1 memory while such processes start puts
/// unmovable pages exactly there:
/// - first LMB: the DIMM is node 1's only memory; its second LMB is offline while the processes start, so they land
///   in the first. Offlining the first LMB then fails: the guest makes no DRC call, QEMU waits forever.
/// - part way: the first LMB of a second DIMM and every other free node-1 block are offline, and the rest of node 1
///   is filled with 2 MiB huge pages, so the processes land in the second LMB. The guest offlines the first, fails on
///   the second, and rolls the first back. Best effort: if the guest still manages to offline everything, the trace
///   says so.
/// </summary>
internal static class TwoNodeScenarios
{
    private const int Node1CpuMask = 2;
    private const int FirstLmbSleepers = 64;
    private const int PartWaySleepers = 128;
    private const string Memory = "/sys/devices/system/memory";
    private const string Node1HugePages = "/sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages";

    public static SessionRecording Record(GuestSession s, Action<string> log)
    {
        string blockSize = string.Concat(s.Shell($"cat {Memory}/block_size_bytes")).Trim();
        if (!string.Equals(blockSize, "10000000", StringComparison.Ordinal))
        {
            throw new RealGuestException($"Guest memory block size is 0x{blockSize}, not one LMB (0x10000000): block numbers would not follow DRC indexes.");
        }

        // Shared setup of both traces: a CPU on node 1, for the pinned processes.
        var core = s.DeviceAdd("core1", SingleNodeScenarios.CoreDriver, "cpu", new JsonObject { ["core-id"] = 1 });
        s.Shell("ls -d /sys/devices/system/cpu/cpu1/node1");

        var firstLmb = new ScenarioTrace(ScenarioCatalog.DimmRefusedFirstLmb, s.MachineJson());
        firstLmb.Add(core);
        s.ObjectAdd("memF", 512);
        var addF = s.DeviceAdd("dimmF", "pc-dimm", "lmb", new JsonObject { ["memdev"] = "memF", ["node"] = 1 });
        firstLmb.Add(addF);
        int f1 = Block(addF);
        firstLmb.Add(s.GuestCommand(
            "unmovable memory in dimmF's first LMB",
            $"echo 0 > {Memory}/memory{f1 + 1}/online && pinned_sleepers {Node1CpuMask} {FirstLmbSleepers} && echo 1 > {Memory}/memory{f1 + 1}/online",
            handlers: 0));
        log("  node 1 after the pinned processes: " + NodeMemory(s));
        firstLmb.Add(s.DeviceDel("dimmF", SingleNodeScenarios.SilenceWait));
        firstLmb.Note(
            "core1 (core-id 1) is on NUMA node 1, which has no memory at boot; dimmF (node 1) is its only memory. With dimmF's " +
            string.Create(CultureInfo.InvariantCulture, $"second LMB offline, {FirstLmbSleepers} sleeping processes pinned to CPU 1 start, so their kernel stacks and page tables ") +
            "land in the first LMB; the second LMB is then onlined again. On device_del the guest fails to offline the first LMB " +
            "(-EBUSY) and makes no DRC call at all: " +
            string.Create(CultureInfo.InvariantCulture, $"no DEVICE_DELETED within {SingleNodeScenarios.SilenceWait.TotalSeconds} s after the guest handled the event (QEMU never completes)."));

        var partWay = new ScenarioTrace(ScenarioCatalog.DimmRefusedPartWay, s.MachineJson());
        partWay.Add(core);
        s.ObjectAdd("memP", 512);
        var addP = s.DeviceAdd("dimmP", "pc-dimm", "lmb", new JsonObject { ["memdev"] = "memP", ["node"] = 1 });
        partWay.Add(addP);
        int p1 = Block(addP);
        var problems = new List<string>();
        foreach (int block in new[] { p1, p1 + 1, f1 + 1 })
        {
            TryShell(s, $"echo 0 > {Memory}/memory{block}/online", problems);
        }

        TryShell(s, $"echo 100000 > {Node1HugePages}", problems);
        log("  node 1 filled with huge pages: " + NodeMemory(s));
        TryShell(s, $"echo 1 > {Memory}/memory{p1 + 1}/online", problems);
        partWay.Add(s.GuestCommand("unmovable memory in dimmP's second LMB", $"pinned_sleepers {Node1CpuMask} {PartWaySleepers}", handlers: 0));
        TryShell(s, $"echo 0 > {Node1HugePages}", problems);
        TryShell(s, $"echo 1 > {Memory}/memory{p1}/online", problems);
        TryShell(s, $"echo 1 > {Memory}/memory{f1 + 1}/online", problems);
        log("  node 1 after the pinned processes: " + NodeMemory(s));
        var del = s.DeviceDel("dimmP", TimeSpan.Zero);
        partWay.Add(del);
        partWay.Note(
            "Same machine as dimm-refused-first-lmb (core1 and dimmF are there too). With dimmP's first LMB and dimmF's second " +
            "LMB offline and node 1's remaining free memory taken by 2 MiB huge pages, dimmP's second LMB is onlined and " +
            string.Create(CultureInfo.InvariantCulture, $"{PartWaySleepers} sleeping processes pinned to CPU 1 start, so their kernel stacks land there; ") +
            "then the huge pages are freed and the offline blocks onlined again. On device_del the guest offlines dimmP's first LMB, " +
            "fails on the second, and rolls the first back.");
        if (problems.Count > 0)
        {
            partWay.Note("Setup steps that failed: " + string.Join("; ", problems) + ".");
        }

        if (del.HasEvent(TraceFormat.DeviceDeleted, "dimmP") || !del.HasEvent(TraceFormat.DeviceUnplugGuestError, "dimmP"))
        {
            partWay.MarkBestEffort("the guest did not refuse part-way this time (no DEVICE_UNPLUG_GUEST_ERROR, or the DIMM was released).");
        }

        return new SessionRecording([firstLmb, partWay], new Dictionary<string, JsonObject>(), s.Machine.CpuTime());
    }

    /// <summary>The memory block of a DIMM's first LMB: LMB id (index & 0x0FFFFFFF) = address / 256 MiB = block number.</summary>
    private static int Block(PhaseOutcome deviceAdd)
    {
        TraceFormat.TryParseIndex(deviceAdd.Lines[0]["drc"]!.GetValue<string>(), out uint drc);
        return (int)(drc & 0x0FFF_FFFF);
    }

    private static void TryShell(GuestSession s, string command, List<string> problems)
    {
        var (status, output) = s.Machine.Run(command, TimeSpan.FromSeconds(60));
        if (status != 0)
        {
            problems.Add($"'{command}' -> {status} {string.Join(" ", output)}".Trim());
        }
    }

    private static string NodeMemory(GuestSession s) =>
        string.Join(", ", s.Shell("grep -E 'MemFree|MemUsed|HugePages_Total' /sys/devices/system/node/node1/meminfo").Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(2))));
}
