using System.Globalization;
using System.Text.Json.Nodes;
using Spapr.Drc.Conformance.Twin;

namespace Spapr.Drc.Conformance.Qemu;

/// <summary>The scenario operations against a real QEMU 7.2 pSeries machine (guest side by qtest RTAS, host side by QMP).</summary>
internal sealed class QemuPseries : IPseries, IDisposable
{
    // Scratch guest-physical addresses, far from the firmware at 0 and the device tree near the top of the RMA.
    private const ulong ArgsAddress = 0x1000_0000;
    private const ulong RetsAddress = 0x1000_0200;
    private const ulong WorkArea = 0x1000_1000;
    private const ulong EventBuffer = 0x1000_3000;
    private const int EventBufferLength = 2048;
    private const long LmbSize = 256L << 20;
    private const string CoreDriver = "power9_v2.0-spapr-cpu-core";
    private readonly QemuProcess _qemu;
    private readonly Dictionary<string, string> _paths = new(StringComparer.Ordinal)
    {
        // Devices created by the machine itself have no id, only a QOM path.
        [ModelPseries.BootCore] = "/machine/unattached/device[1]",
        [ModelPseries.DefaultPhb] = "/machine/unattached/device[4]",
    };

    private int _backends;

    public QemuPseries(IEnumerable<ColdDevice> cold)
    {
        var args = new List<string>();
        foreach (var d in cold)
        {
            switch (d.Kind)
            {
                case "core":
                    args.AddRange(["-device", $"{CoreDriver},core-id={d.Number},id={d.Id}"]);
                    break;
                case "dimm":
                    args.AddRange(["-object", $"memory-backend-ram,id=mem-{d.Id},size={d.Number * LmbSize}", "-device", $"pc-dimm,id={d.Id},memdev=mem-{d.Id}"]);
                    break;
                case "phb":
                    args.AddRange(["-device", $"spapr-pci-host-bridge,index={d.Number},id={d.Id}"]);
                    break;
                case "pci":
                    args.AddRange(["-device", $"pci-testdev,bus=pci.0,addr={d.Number},id={d.Id}"]);
                    break;
                default:
                    throw new ArgumentException($"Unknown cold device kind {d.Kind}.", nameof(cold));
            }
        }

        _qemu = QemuProcess.Start(args);
    }

    public string Stderr => _qemu.Stderr;

    /// <summary>True when the QEMU process has exited, or does so within <paramref name="timeout"/>.</summary>
    public bool WaitForExit(TimeSpan timeout) => _qemu.WaitForExit(timeout);

    /// <summary>Kills QEMU as a crash would.</summary>
    public void Kill() => _qemu.Kill();

    public string CommandLine => _qemu.CommandLine;

    public HostOutcome AddCore(string id, int coreId) =>
        Outcome(_qemu.Qmp.Execute("device_add", new JsonObject { ["driver"] = CoreDriver, ["id"] = id, ["core-id"] = coreId }));

    public (HostOutcome Outcome, uint FirstLmb) AddDimm(string id, int lmbs)
    {
        string backend = string.Create(CultureInfo.InvariantCulture, $"mem-{id}-{++_backends}");
        var made = _qemu.Qmp.Execute("object-add", new JsonObject { ["qom-type"] = "memory-backend-ram", ["id"] = backend, ["size"] = lmbs * LmbSize });
        if (made["error"] is not null)
        {
            throw new QemuException($"object-add {backend}: {made.ToJsonString()}");
        }

        var outcome = Outcome(_qemu.Qmp.Execute("device_add", new JsonObject { ["driver"] = "pc-dimm", ["id"] = id, ["memdev"] = backend }));
        if (outcome != HostOutcome.Ok)
        {
            return (outcome, 0);
        }

        var addr = _qemu.Qmp.Execute("qom-get", new JsonObject { ["path"] = "/machine/peripheral/" + id, ["property"] = "addr" });
        long address = addr["return"]?.GetValue<long>() ?? throw new QemuException($"qom-get addr of {id}: {addr.ToJsonString()}");
        return (outcome, 0x8000_0000u | (uint)(address / LmbSize));
    }

    public HostOutcome AddPhb(string id, int index) =>
        Outcome(_qemu.Qmp.Execute("device_add", new JsonObject { ["driver"] = "spapr-pci-host-bridge", ["id"] = id, ["index"] = index }));

    public HostOutcome AddPci(string id, int slot) =>
        Outcome(_qemu.Qmp.Execute("device_add", new JsonObject { ["driver"] = "pci-testdev", ["id"] = id, ["bus"] = "pci.0", ["addr"] = slot }));

    public HostOutcome AddPciFunction(string id, int slot, int function) =>
        Outcome(_qemu.Qmp.Execute("device_add", new JsonObject
        {
            ["driver"] = "pci-testdev",
            ["id"] = id,
            ["bus"] = "pci.0",
            ["addr"] = string.Create(CultureInfo.InvariantCulture, $"{slot:x}.{function}"),
            ["multifunction"] = true,
        }));

    public HostOutcome Del(string id) =>
        Outcome(_qemu.Qmp.Execute("device_del", new JsonObject { ["id"] = _paths.GetValueOrDefault(id, id) }));

    public void Reset()
    {
        var reply = _qemu.Qmp.Execute("system_reset");
        if (reply["error"] is not null)
        {
            throw new QemuException($"system_reset: {reply.ToJsonString()}");
        }

        // The reset runs in QEMU's main loop after the reply; RESET says it is done.
        _qemu.Qmp.Poll(TimeSpan.FromSeconds(10), events => events.Any(e => (string?)e["event"] == "RESET"));
        if (!_qemu.Qmp.PendingEvents.Any(e => (string?)e["event"] == "RESET"))
        {
            throw new QemuException("system_reset: no RESET event within 10 s.");
        }
    }

    public int SetIndicator(uint indicator, uint index, uint value) => (int)Rtas("set-indicator", [indicator, index, value], 1)[0];

    public SensorReading GetSensorState(uint sensor, uint index)
    {
        var rets = Rtas("get-sensor-state", [sensor, index], 2);
        return new SensorReading((int)rets[0], rets[1]);
    }

    public uint[] SetIndicatorCells(uint[] args, int nret) => Rtas("set-indicator", args, nret);

    public uint[] GetSensorStateCells(uint[] args, int nret) => Rtas("get-sensor-state", args, nret);

    public uint EventBufferAddress => (uint)EventBuffer;

    public uint[] CheckExceptionCells(uint[] args, int nret) => Rtas("check-exception", args, nret);

    public uint[] EventScanCells(uint[] args, int nret) => Rtas("event-scan", args, nret);

    public int ConfigureConnectorStep(uint index, bool start)
    {
        if (start)
        {
            _qemu.Qtest.Memset(WorkArea, 4096, 0);
            _qemu.Qtest.WriteCells(WorkArea, [index, 0]);
        }

        return (int)Rtas("ibm,configure-connector", [(uint)WorkArea, 0], 1)[0];
    }

    public ExceptionLog CheckException(uint mask) => CheckException(mask, EventBufferLength);

    public ExceptionLog CheckException(uint mask, int length)
    {
        _qemu.Qtest.Memset(EventBuffer, EventBufferLength, 0);
        int rc = (int)Rtas("check-exception", [0, 0, mask, 0, (uint)EventBuffer, (uint)length], 1)[0];
        return ExceptionLog.Parse(rc, rc == 0 ? _qemu.Qtest.Read(EventBuffer, ExceptionLog.LogLength) : []);
    }

    public IReadOnlyList<DeviceEvent> TakeDeviceEvents(int expected, TimeSpan settle)
    {
        // A QMP round trip is a barrier for events raised synchronously; PCI removal completes ~50 ms later (RCU).
        _qemu.Qmp.Execute("query-status");
        if (Count(_qemu.Qmp.PendingEvents) < expected)
        {
            _qemu.Qmp.Poll(TimeSpan.FromSeconds(3), events => Count(events) >= expected);
        }

        if (settle > TimeSpan.Zero)
        {
            _qemu.Qmp.Poll(settle);
        }

        var result = new List<DeviceEvent>();
        foreach (var e in _qemu.Qmp.TakeEvents())
        {
            if (ToDeviceEvent(e) is { } d)
            {
                result.Add(d);
            }
        }

        return result;
    }

    public void Dispose() => _qemu.Dispose();

    private static int Count(IReadOnlyList<JsonObject> events) => events.Count(e => ToDeviceEvent(e) is not null);

    private static DeviceEvent? ToDeviceEvent(JsonObject e)
    {
        // Only events naming a device id count: QEMU also reports the removal of a device's children by path alone.
        string? device = (string?)e["data"]?["device"];
        return (string?)e["event"] switch
        {
            "DEVICE_DELETED" when device is not null => new DeviceEvent(DeviceEventKind.Deleted, device),
            "DEVICE_UNPLUG_GUEST_ERROR" when device is not null => new DeviceEvent(DeviceEventKind.GuestError, device),
            _ => null,
        };
    }

    private static HostOutcome Outcome(JsonObject reply)
    {
        if (reply["error"] is not JsonObject error)
        {
            return HostOutcome.Ok;
        }

        string cls = (string?)error["class"] ?? string.Empty;
        string desc = (string?)error["desc"] ?? string.Empty;
        if (cls == "DeviceNotFound")
        {
            return HostOutcome.NotFound;
        }

        if (desc.Contains("already in progress", StringComparison.Ordinal))
        {
            return HostOutcome.AlreadyInProgress;
        }

        return desc.Contains("may not be unplugged", StringComparison.Ordinal) ? HostOutcome.NotAllowed : HostOutcome.Refused;
    }

    private uint[] Rtas(string name, uint[] args, int nret)
    {
        if (args.Length > 0)
        {
            _qemu.Qtest.WriteCells(ArgsAddress, args);
        }

        // Poisoned so that cells QEMU leaves alone are visible as such.
        var poison = new byte[4 * Math.Max(nret, 1)];
        poison.AsSpan().Fill(0xA5);
        _qemu.Qtest.Write(RetsAddress, poison);
        _qemu.Qtest.Rtas(name, args.Length, ArgsAddress, nret, RetsAddress);
        return _qemu.Qtest.ReadCells(RetsAddress, nret);
    }
}
