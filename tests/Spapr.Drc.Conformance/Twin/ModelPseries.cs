using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Extensions.Time.Testing;

namespace Spapr.Drc.Conformance.Twin;

/// <summary>
/// The scenario operations against a <see cref="DrcRegistry"/> shaped like the QEMU machine the suite starts
/// (<c>-smp 1,maxcpus=4 -m 2G,slots=4,maxmem=8G</c>): 4 CPU cores (core 0 cold), 24 LMBs of the hot-pluggable
/// region (ids 8..31), 31 PHBs (PHB 0 cold, owning the 256 PCI connectors of its bus), 4 PMEM connectors, and no
/// unplug timeouts, since QEMU 7.2 has none.
/// </summary>
internal sealed class ModelPseries : IPseries, IDisposable
{
    public const string BootCore = "bootcore";
    public const string DefaultPhb = "phb0";
    public const uint FirstLmbId = 8;
    public const int LmbCount = 24;
    private static readonly DrcIndex Phb0 = DrcIndex.From(DrcType.Phb, 0);

    // The configure-connector shapes QEMU 7.2 hands out: one node with this many properties, no children.
    private const int CpuProperties = 30;
    private const int LmbProperties = 3;
    private const int PhbProperties = 25;
    private const int PciProperties = 13;

    private readonly Dictionary<string, List<DrcIndex>> _devices = new(StringComparer.Ordinal);
    private readonly List<DeviceEvent> _events = [];
    private readonly byte[] _workArea = new byte[DrcRtas.WorkAreaSize];

    public ModelPseries(IEnumerable<ColdDevice> cold)
    {
        var options = new DrcOptions();
        foreach (var type in new[] { DrcType.Cpu, DrcType.Phb, DrcType.Pci, DrcType.Lmb, DrcType.Pmem })
        {
            options.SetUnplugTimeout(type, Timeout.InfiniteTimeSpan);
        }

        Clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Registry = new DrcRegistry(options, Clock);
        Registry.CreateConnectors(DrcType.Cpu, 0, 4);
        Registry.CreateConnectors(DrcType.Phb, 0, 31);
        Registry.CreateConnectors(DrcType.Pci, 0, 256, Phb0);
        Registry.CreateConnectors(DrcType.Lmb, FirstLmbId, LmbCount);
        Registry.CreateConnectors(DrcType.Pmem, 0, 4);
        Registry.UnplugCompleted += (_, e) => _events.Add(new DeviceEvent(DeviceEventKind.Deleted, (string)e.Device));
        Registry.UnplugRejectedByGuest += (_, e) => _events.Add(new DeviceEvent(DeviceEventKind.GuestError, (string)e.Device));

        Attach(BootCore, DrcIndex.From(DrcType.Cpu, 0), CpuFragment(0), PlugMode.Cold);
        Attach(DefaultPhb, Phb0, Fragment("pci@800000020000000", PhbProperties), PlugMode.Cold);
        foreach (var d in cold)
        {
            var outcome = d.Kind switch
            {
                "core" => AddCore(d.Id, d.Number, PlugMode.Cold),
                "dimm" => AddDimm(d.Id, d.Number, PlugMode.Cold).Outcome,
                "phb" => AddPhb(d.Id, d.Number, PlugMode.Cold),
                "pci" => AddPci(d.Id, d.Number, PlugMode.Cold),
                _ => throw new ArgumentException($"Unknown cold device kind {d.Kind}.", nameof(cold)),
            };
            if (outcome != HostOutcome.Ok)
            {
                throw new InvalidOperationException($"Cold plug of {d} refused.");
            }
        }
    }

    public DrcRegistry Registry { get; }

    /// <summary>
    /// Where the next hot-added DIMM goes: address placement is the emulator's business, not the library's, so the
    /// twin copies QEMU's choice here; null for first fit.
    /// </summary>
    public uint? NextDimmFirstLmb { get; set; }

    public FakeTimeProvider Clock { get; }

    public HostOutcome AddCore(string id, int coreId) => AddCore(id, coreId, PlugMode.Hot);

    public (HostOutcome Outcome, uint FirstLmb) AddDimm(string id, int lmbs) => AddDimm(id, lmbs, PlugMode.Hot);

    public HostOutcome AddPhb(string id, int index) => AddPhb(id, index, PlugMode.Hot);

    public HostOutcome AddPci(string id, int slot) => AddPci(id, slot, PlugMode.Hot);

    public HostOutcome AddPciFunction(string id, int slot, int function)
    {
        if (_devices.ContainsKey(id) && IsPresent(id))
        {
            return HostOutcome.Refused;
        }

        var index = DrcIndex.From(DrcType.Pci, ((uint)slot << 3) | (uint)function);
        return Attach(id, index, Fragment(string.Create(CultureInfo.InvariantCulture, $"legacy-device@{slot:x},{function}"), PciProperties), PlugMode.Hot) ? HostOutcome.Ok : HostOutcome.Refused;
    }

    public HostOutcome Del(string id)
    {
        if (!_devices.TryGetValue(id, out var indexes))
        {
            return HostOutcome.NotFound;
        }

        // Any connector still holding the device names it (the LMBs of a DIMM).
        foreach (var index in indexes)
        {
            if (Registry.TryGet(index, out var drc) && drc.Device is string d && d == id)
            {
                return Registry.RequestUnplug(index).Status switch
                {
                    UnplugRequestStatus.Requested or UnplugRequestStatus.Retried or UnplugRequestStatus.CompletedImmediately => HostOutcome.Ok,
                    UnplugRequestStatus.AlreadyPending => HostOutcome.AlreadyInProgress,
                    UnplugRequestStatus.NotAllowed => HostOutcome.NotAllowed,
                    _ => HostOutcome.NotFound,
                };
            }
        }

        return HostOutcome.NotFound;
    }

    public void Reset() => Registry.Reset();

    /// <summary>How many connectors a device spans (the LMBs of a DIMM).</summary>
    public int ConnectorCountOf(string id) => _devices[id].Count;

    public int SetIndicator(uint indicator, uint index, uint value) => (int)Registry.Rtas.SetIndicator(indicator, index, value);

    public SensorReading GetSensorState(uint sensor, uint index)
    {
        var status = Registry.Rtas.GetSensorState(sensor, index, out uint value);
        return new SensorReading((int)status, value);
    }

    public uint[] SetIndicatorCells(uint[] args, int nret)
    {
        var rets = Poisoned(nret);
        Registry.Rtas.SetIndicator(args, rets);
        return rets;
    }

    public uint[] GetSensorStateCells(uint[] args, int nret)
    {
        var rets = Poisoned(nret);
        Registry.Rtas.GetSensorState(args, rets);
        return rets;
    }

    public uint EventBufferAddress => 0x1000_3000;

    public uint[] CheckExceptionCells(uint[] args, int nret)
    {
        var rets = Poisoned(nret);
        Registry.Rtas.CheckException(args, rets, new byte[2048]);
        return rets;
    }

    public uint[] EventScanCells(uint[] args, int nret)
    {
        var rets = Poisoned(nret);
        Registry.Rtas.EventScan(args, rets);
        return rets;
    }

    public int ConfigureConnectorStep(uint index, bool start)
    {
        if (start)
        {
            Array.Clear(_workArea);
            BinaryPrimitives.WriteUInt32BigEndian(_workArea, index);
        }

        return (int)Registry.Rtas.ConfigureConnector(_workArea);
    }

    public ExceptionLog CheckException(uint mask) => CheckException(mask, 2048);

    public ExceptionLog CheckException(uint mask, int length)
    {
        var buffer = new byte[2048];
        int rc = (int)Registry.Rtas.CheckException(mask, buffer.AsSpan(0, length), out _);
        return ExceptionLog.Parse(rc, buffer);
    }

    public IReadOnlyList<DeviceEvent> TakeDeviceEvents(int expected, TimeSpan settle)
    {
        var taken = _events.ToList();
        _events.Clear();
        return taken;
    }

    public void Dispose() => Registry.Dispose();

    private static uint[] Poisoned(int n)
    {
        var rets = new uint[n];
        rets.AsSpan().Fill(0xA5A5_A5A5);
        return rets;
    }

    private static DeviceTreeNode CpuFragment(int coreId) => Fragment(string.Create(CultureInfo.InvariantCulture, $"PowerPC,POWER9@{coreId}"), CpuProperties);

    private static DeviceTreeNode Fragment(string name, int properties)
    {
        var node = new DeviceTreeNode(name);
        for (int i = 0; i < properties; i++)
        {
            node.Add(DeviceTreeProperty.FromCells(string.Create(CultureInfo.InvariantCulture, $"prop-{i}"), (uint)i));
        }

        return node;
    }

    private HostOutcome AddCore(string id, int coreId, PlugMode mode)
    {
        if (_devices.ContainsKey(id) && IsPresent(id))
        {
            return HostOutcome.Refused;
        }

        return coreId is >= 0 and < 4 && Attach(id, DrcIndex.From(DrcType.Cpu, (uint)coreId), CpuFragment(coreId), mode) ? HostOutcome.Ok : HostOutcome.Refused;
    }

    private (HostOutcome Outcome, uint FirstLmb) AddDimm(string id, int lmbs, PlugMode mode)
    {
        if (_devices.ContainsKey(id) && IsPresent(id))
        {
            return (HostOutcome.Refused, 0);
        }

        uint? placed = NextDimmFirstLmb is { } p ? DrcIndex.FromValue(p).Id : null;
        NextDimmFirstLmb = null;

        // First fit from the start of the hot-pluggable region unless told where.
        for (uint first = placed ?? FirstLmbId; first + lmbs <= FirstLmbId + LmbCount; first++)
        {
            bool free = true;
            for (uint i = 0; i < lmbs && free; i++)
            {
                free = Registry[DrcType.Lmb, first + i].Device is null;
            }

            if (!free)
            {
                continue;
            }

            var firstIndex = DrcIndex.From(DrcType.Lmb, first);
            if (!Registry.TryAttachMemoryDevice(firstIndex, lmbs, id, lmb => Fragment(string.Create(CultureInfo.InvariantCulture, $"memory@{(ulong)lmb.Id << 28:x}"), LmbProperties), mode, out _))
            {
                return (HostOutcome.Refused, 0);
            }

            _devices[id] = [.. Enumerable.Range(0, lmbs).Select(i => DrcIndex.From(DrcType.Lmb, first + (uint)i))];
            return (HostOutcome.Ok, firstIndex.Value);
        }

        return (HostOutcome.Refused, 0);
    }

    private HostOutcome AddPhb(string id, int index, PlugMode mode)
    {
        if ((_devices.ContainsKey(id) && IsPresent(id)) || index is < 0 or > 30)
        {
            return HostOutcome.Refused;
        }

        var phb = DrcIndex.From(DrcType.Phb, (uint)index);
        if (Registry[phb].Device is not null)
        {
            return HostOutcome.Refused;
        }

        // A PHB brings the connectors of its bus: PCI ids (phb << 16) | devfn.
        uint firstPci = (uint)index << 16;
        if (!Registry.TryGet(DrcType.Pci, firstPci, out _))
        {
            Registry.CreateConnectors(DrcType.Pci, firstPci, 256, phb);
        }

        return Attach(id, phb, Fragment(string.Create(CultureInfo.InvariantCulture, $"pci@8000000200000{index:x2}"), PhbProperties), mode) ? HostOutcome.Ok : HostOutcome.Refused;
    }

    private HostOutcome AddPci(string id, int slot, PlugMode mode)
    {
        if (_devices.ContainsKey(id) && IsPresent(id))
        {
            return HostOutcome.Refused;
        }

        var index = DrcIndex.From(DrcType.Pci, (uint)slot << 3);
        return Attach(id, index, Fragment(string.Create(CultureInfo.InvariantCulture, $"legacy-device@{slot:x}"), PciProperties), mode) ? HostOutcome.Ok : HostOutcome.Refused;
    }

    private bool IsPresent(string id) =>
        _devices[id].Exists(i => Registry.TryGet(i, out var drc) && drc.Device is string d && d == id);

    private bool Attach(string id, DrcIndex index, DeviceTreeNode fragment, PlugMode mode)
    {
        if (!Registry.TryAttach(index, id, fragment, mode, out _))
        {
            return false;
        }

        _devices[id] = [index];
        return true;
    }
}
