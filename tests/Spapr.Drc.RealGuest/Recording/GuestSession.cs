using System.Globalization;
using System.Text.Json.Nodes;
using Spapr.Drc.RealGuest.Format;
using Spapr.Drc.RealGuest.Guest;
using Spapr.Drc.RealGuest.Qemu;

namespace Spapr.Drc.RealGuest.Recording;

/// <summary>
/// A booted guest with the recorder's probes armed, run as a series of phases. A phase is one action (a QMP command
/// or a guest shell command) followed by: waiting until the guest's hotplug handler returned as often as expected,
/// an optional quiet wait, then two barriers (a trace marker in the guest's trace stream, a QMP command whose reply
/// QEMU logs) so that each stream is cut exactly after everything the action caused.
/// </summary>
internal sealed class GuestSession : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan HandlerTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan BarrierTimeout = TimeSpan.FromSeconds(20);
    private readonly GuestImage _image;
    private readonly Action<string> _log;
    private int _barriers;

    private GuestSession(GuestMachine machine, GuestImage image, MachineShape shape, RtasTokens tokens, Action<string> log)
    {
        Machine = machine;
        _image = image;
        Shape = shape;
        Tokens = tokens;
        _log = log;
    }

    public GuestMachine Machine { get; }

    public MachineShape Shape { get; }

    public RtasTokens Tokens { get; }

    /// <summary>Whether the guest negotiated hotplug events at client-architecture-support (ibm,architecture-vec-5 byte 6, 0x04).</summary>
    public bool Negotiated { get; private set; }

    public static GuestSession Start(MachineShape shape, GuestImage image, string workDirectory, TimeSpan bootTimeout, Action<string> log)
    {
        var machine = GuestMachine.Boot(shape, image, workDirectory, bootTimeout);
        try
        {
            log($"booted QEMU {machine.Qmp.Version}: {machine.CommandLine}");
            var tokens = new RtasTokens(ReadProperties(machine, "/proc/device-tree/rtas"));
            var session = new GuestSession(machine, image, shape, tokens, log);
            session.ArmProbes();
            var vector = ReadProperties(machine, "/proc/device-tree/chosen");
            session.Negotiated = vector.TryGetValue("ibm,architecture-vec-5", out string? hex) && hex.Length >= 14
                && (Convert.ToByte(hex.Substring(12, 2), 16) & 0x04) != 0;
            return session;
        }
        catch
        {
            machine.Dispose();
            throw;
        }
    }

    /// <summary>The machine line's object for traces from this session.</summary>
    public JsonObject MachineJson()
    {
        var machine = Shape.ToMachineJson(Machine.Qmp.Version, _image.Packages.KernelRelease, Negotiated);
        machine["kernel_package"] = _image.Packages.KernelPackageVersion;
        return machine;
    }

    /// <summary>Every property of a device-tree node as lowercase hex, from the guest's /proc/device-tree.</summary>
    public IReadOnlyDictionary<string, string> Properties(string node) => ReadProperties(Machine, node);

    public IReadOnlyList<string> Shell(string command) => Machine.RunChecked(command, CommandTimeout);

    public void ObjectAdd(string id, int sizeMb) =>
        Qmp("object-add", new JsonObject { ["qom-type"] = "memory-backend-ram", ["id"] = id, ["size"] = (long)sizeMb << 20 });

    public void ObjectDel(string id) => Qmp("object-del", new JsonObject { ["id"] = id });

    /// <summary>device_add and the guest's handling of the Add event; the host line gets the DRC(s) QEMU attached.</summary>
    public PhaseOutcome DeviceAdd(string id, string driver, string traceType, JsonObject properties)
    {
        var arguments = (JsonObject)properties.DeepClone();
        arguments["driver"] = driver;
        arguments["id"] = id;
        return RunPhase(
            $"device_add {id}",
            () => Qmp("device_add", arguments),
            handlers: 1,
            TimeSpan.Zero,
            qemu =>
            {
                var attached = qemu.Where(i => i.Kind == QemuLogItemKind.Attach).Select(i => i.Drc).ToList();
                if (attached.Count == 0)
                {
                    throw new RealGuestException($"device_add {id}: QEMU attached no DRC.");
                }

                var line = new JsonObject
                {
                    ["host"] = TraceFormat.DeviceAdd,
                    ["id"] = id,
                    ["type"] = traceType,
                    ["drc"] = TraceFormat.FormatIndex(attached[0]),
                };
                if (traceType == "lmb")
                {
                    line["count"] = attached.Count;
                }

                return line;
            });
    }

    /// <summary>device_del, the guest's handling of the Remove event, then <paramref name="quietWait"/> more for late events.</summary>
    public PhaseOutcome DeviceDel(string id, TimeSpan quietWait)
    {
        string? error = null;
        return RunPhase(
            $"device_del {id}",
            () =>
            {
                var reply = Machine.Qmp.Execute("device_del", new JsonObject { ["id"] = id });
                error = reply["error"]?["desc"]?.GetValue<string>();
            },
            handlers: 1,
            quietWait,
            _ => new JsonObject { ["host"] = TraceFormat.DeviceDel, ["id"] = id, ["error"] = error });
    }

    /// <summary>A guest shell command as a phase (any DRC call it causes is recorded); with <paramref name="check"/> it must succeed.</summary>
    public PhaseOutcome GuestCommand(string label, string command, int handlers, bool check = true) =>
        RunPhase(
            label,
            () =>
            {
                if (check)
                {
                    Shell(command);
                }
                else
                {
                    var (status, output) = Machine.Run(command, CommandTimeout);
                    _log($"  '{command}' -> {status} {string.Join(" | ", output)}");
                }
            },
            handlers,
            TimeSpan.Zero,
            _ => null);

    public void Dispose() => Machine.Dispose();

    private PhaseOutcome RunPhase(string label, Action act, int handlers, TimeSpan quietWait, Func<IReadOnlyList<QemuLogItem>, JsonObject?> hostLine)
    {
        int guestFrom = Machine.GuestTrace.Count;
        int qemuFrom = Machine.QemuLog.Count;
        int eventsFrom = Machine.Qmp.EventCount;
        _log("phase: " + label);
        act();
        if (handlers > 0 && !Machine.GuestTrace.WaitForCount(IsHandlerReturn, guestFrom, handlers, HandlerTimeout))
        {
            throw new RealGuestException(
                $"{label}: the guest's hotplug handler did not return within {HandlerTimeout.TotalSeconds} s " +
                $"(QEMU {(Machine.HasExited ? "exited" : "running")}; kprobes: {Machine.GuestTrace.Tail(4)}; QEMU: {Machine.QemuLog.Tail(4)})");
        }

        if (quietWait > TimeSpan.Zero)
        {
            Thread.Sleep(quietWait);
        }

        int n = Interlocked.Increment(ref _barriers);
        string marker = string.Create(CultureInfo.InvariantCulture, $"RG-MARK-{n}");
        Shell($"echo {marker} > /sys/kernel/tracing/trace_marker");
        int guestTo = Machine.GuestTrace.WaitFor(l => l.EndsWith(marker, StringComparison.Ordinal), guestFrom, BarrierTimeout);
        string barrierId = string.Create(CultureInfo.InvariantCulture, $"rg-barrier-{n}");
        Machine.Qmp.Execute("query-status", id: barrierId);
        int qemuTo = Machine.QemuLog.WaitFor(l => l.Contains($"\"id\": \"{barrierId}\"", StringComparison.Ordinal), qemuFrom, BarrierTimeout);
        if (guestTo < 0 || qemuTo < 0)
        {
            throw new RealGuestException($"{label}: the {(guestTo < 0 ? "guest trace" : "QEMU log")} barrier did not come through.");
        }

        var records = Machine.GuestTrace.Slice(guestFrom, guestTo).Select(KprobeRecord.Parse).OfType<KprobeRecord>().ToList();
        var calls = GuestCallAssembler.Assemble(records, Tokens, _image.Symbols);
        var qemu = Machine.QemuLog.Slice(qemuFrom, qemuTo).Select(QemuLogItem.Parse).OfType<QemuLogItem>().ToList();
        var lines = PhaseMerger.Merge(hostLine(qemu), calls, qemu);
        var results = records.Where(r => r.Event == ProbeSet.HandlerReturnEvent).Select(r => r.Int("rc")).ToList();
        var updates = records.Where(r => r.Event == ProbeSet.PropertyUpdateEvent && r.Fields.ContainsKey("name")).Select(r => r.Fields["name"].Trim('"')).ToList();
        var outcome = new PhaseOutcome(label, lines, Machine.Qmp.EventsFrom(eventsFrom), results, updates);
        _log($"  {lines.Count} lines, handler results [{string.Join(',', results)}], events [{string.Join(',', outcome.QmpEvents.Select(e => e["event"]))}]");
        return outcome;
    }

    private void ArmProbes()
    {
        var probes = new ProbeSet(_image.Symbols, Tokens);
        const string Tracing = "/sys/kernel/tracing";
        foreach (var definition in probes.Required)
        {
            var (status, output) = Machine.Run($"echo '{definition}' >> {Tracing}/kprobe_events", CommandTimeout);
            if (status != 0)
            {
                throw new RealGuestException($"The guest kernel refused the kprobe '{definition}': {string.Join(" | ", output)}");
            }
        }

        foreach (var definition in probes.Diagnostic)
        {
            if (Machine.Run($"echo '{definition}' >> {Tracing}/kprobe_events", CommandTimeout).Status != 0)
            {
                _log("optional kprobe not available: " + definition);
            }
        }

        string group = $"{Tracing}/events/{ProbeSet.Group}";
        Shell($"echo '{probes.CallFilter}' > {group}/{ProbeSet.CallEvent}/filter");
        Shell($"echo '{probes.ReturnFilter}' > {group}/{ProbeSet.ReturnEvent}/filter");
        Shell($"echo '{probes.LogFilter}' > {group}/{ProbeSet.LogEvent}/filter");

        // One clock for every CPU, so trace_pipe merges the per-CPU buffers in true order.
        Shell($"echo global > {Tracing}/trace_clock");
        Shell($"echo 1 > {group}/enable");
        Shell($"(cat {Tracing}/trace_pipe > /dev/hvc1 &)");
        Shell($"echo RG-MARK-0 > {Tracing}/trace_marker");
        if (Machine.GuestTrace.WaitFor(l => l.EndsWith("RG-MARK-0", StringComparison.Ordinal), 0, BarrierTimeout) < 0)
        {
            throw new RealGuestException("The guest's kprobe trace does not reach the host (hvc1 stream silent).");
        }
    }

    private JsonObject Qmp(string command, JsonObject arguments)
    {
        var reply = Machine.Qmp.Execute(command, arguments);
        if (reply["error"] is { } error)
        {
            throw new RealGuestException($"QMP {command} {arguments.ToJsonString()} refused: {error.ToJsonString()}");
        }

        return reply;
    }

    private static bool IsHandlerReturn(string line) => line.Contains($" {ProbeSet.HandlerReturnEvent}: ", StringComparison.Ordinal);

    private static Dictionary<string, string> ReadProperties(GuestMachine machine, string node)
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in machine.RunChecked($"props '{node}'", CommandTimeout))
        {
            var parts = line.Split(' ');
            if (parts.Length >= 2 && parts[0] == GuestInitScript.PropertyMarker)
            {
                properties[parts[1]] = parts.Length > 2 ? parts[2] : string.Empty;
            }
        }

        return properties;
    }
}
