using System.Globalization;
using System.Text.Json.Nodes;
using Spapr.Drc.RealGuest.Format;
using Spapr.Drc.RealGuest.Guest;

namespace Spapr.Drc.RealGuest.Recording;

/// <summary>
/// The one-node machine's scenarios, in one boot and in this order because QEMU 7.2 crashes on a pc-dimm
/// device_add after any CPU core removal: memory first (DIMM add/remove, the guest-initiated LMB remove), then CPUs
/// (add/remove, then the refused unplug and its retry). The device-tree fixtures are taken around the DIMM add.
/// </summary>
internal static class SingleNodeScenarios
{
    public const string CoreDriver = "power9_v2.0-spapr-cpu-core";

    /// <summary>How long the recorder waits, after the guest has handled a remove event, for a completion that never comes.</summary>
    public static readonly TimeSpan SilenceWait = TimeSpan.FromSeconds(4);

    public static SessionRecording Record(GuestSession s)
    {
        var fixtures = new DeviceTreeFixtures(s);
        fixtures.CaptureRtas();
        fixtures.CaptureDrcProperties("/", "root-drc-properties.json");
        fixtures.CaptureDrcProperties("/cpus", "cpus-drc-properties.json");
        string phb = s.Shell("ls -d /proc/device-tree/pci@*").FirstOrDefault()?.Replace("/proc/device-tree", string.Empty, StringComparison.Ordinal)
            ?? throw new RealGuestException("The guest's device tree has no PHB (pci@...) node.");
        fixtures.CaptureDrcProperties(phb, "phb-drc-properties.json");
        fixtures.CaptureArchitectureVector();
        fixtures.CaptureDynamicMemory("before-plug", "after boot, before any DIMM hot plug", null);

        var dimm = new ScenarioTrace(ScenarioCatalog.DimmAddRemove, s.MachineJson());
        s.ObjectAdd("mem1", 512);
        var plugged = s.DeviceAdd("dimm1", "pc-dimm", "lmb", new JsonObject { ["memdev"] = "mem1" });
        dimm.Add(plugged);
        fixtures.CaptureDynamicMemory("after-plug", "after the guest handled the hot plug of dimm1 (512 MiB, 2 LMBs)", "dynamic-reconfiguration-memory-before-plug.json", plugged);
        var removed = s.DeviceDel("dimm1", TimeSpan.Zero);
        dimm.Add(removed);
        fixtures.CaptureDynamicMemory("after-unplug", "after dimm1 was unplugged (DEVICE_DELETED)", "dynamic-reconfiguration-memory-after-plug.json", removed);
        if (removed.HasEvent(TraceFormat.DeviceDeleted, "dimm1"))
        {
            s.ObjectDel("mem1");
        }

        var guestRemove = new ScenarioTrace(ScenarioCatalog.GuestLmbRemove, s.MachineJson());
        s.ObjectAdd("mem2", 256);
        var added = s.DeviceAdd("dimm2", "pc-dimm", "lmb", new JsonObject { ["memdev"] = "mem2" });
        guestRemove.Add(added);
        string drc = added.Lines[0]["drc"]!.GetValue<string>();
        guestRemove.Add(s.GuestCommand("guest-initiated LMB remove", $"echo 'memory remove index {drc}' > /sys/kernel/dlpar", handlers: 1, check: false));
        guestRemove.Add(s.DeviceDel("dimm2", SilenceWait));
        guestRemove.Note(
            $"The guest removes LMB {drc} on its own (echo 'memory remove index {drc}' > /sys/kernel/dlpar) after the add; " +
            "QEMU answers its isolate with -1 and the guest keeps the LMB removed. The host's device_del that follows finds the " +
            string.Create(CultureInfo.InvariantCulture, $"guest without that LMB: no DRC call, and no DEVICE_DELETED within {SilenceWait.TotalSeconds} s after the guest handled the event (QEMU never completes)."));

        var cpu = new ScenarioTrace(ScenarioCatalog.CpuAddRemove, s.MachineJson());
        cpu.Add(s.DeviceAdd("core1", CoreDriver, "cpu", new JsonObject { ["core-id"] = 1 }));
        cpu.Add(s.DeviceDel("core1", TimeSpan.Zero));

        var refused = new ScenarioTrace(ScenarioCatalog.CpuUnplugRefusedThenRetried, s.MachineJson());
        refused.Add(s.DeviceAdd("core1", CoreDriver, "cpu", new JsonObject { ["core-id"] = 1 }));
        refused.Add(s.GuestCommand("cpu0 offline", "echo 0 > /sys/devices/system/cpu/cpu0/online", handlers: 0));
        ExpectOnline(s, "1");
        refused.Add(s.DeviceDel("core1", TimeSpan.Zero));
        refused.Add(s.GuestCommand("cpu0 online", "echo 1 > /sys/devices/system/cpu/cpu0/online", handlers: 0));
        ExpectOnline(s, "0-1");
        refused.Add(s.DeviceDel("core1", TimeSpan.Zero));
        refused.Note(
            "Before the first device_del the guest takes cpu0 offline (echo 0 > /sys/devices/system/cpu/cpu0/online), so core1's CPU " +
            "is the last one online and the guest refuses; before the retry it brings cpu0 back (echo 1 > .../cpu0/online).");

        return new SessionRecording([dimm, guestRemove, cpu, refused], fixtures.Files, s.Machine.CpuTime());
    }

    private static void ExpectOnline(GuestSession s, string expected)
    {
        string online = string.Concat(s.Shell("cat /sys/devices/system/cpu/online")).Trim();
        if (online != expected)
        {
            throw new RealGuestException($"Guest CPUs online are '{online}', expected '{expected}'.");
        }
    }
}
