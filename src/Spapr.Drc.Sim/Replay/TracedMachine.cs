using System.Globalization;
using Spapr.Drc.Sim.Runner;

namespace Spapr.Drc.Sim.Replay;

/// <summary>
/// A registry shaped like the machine a trace was recorded on, as QEMU 7.2's pseries machine builds it: a connector
/// per possible CPU core with the boot cores present; an LMB connector per 256 MiB of hot-pluggable memory (RAM up to
/// maxmem, id = address / 256 MiB); 31 PHB connectors with the default PHB 0 present, owning the 256 PCI connectors of
/// its bus; 4 PMEM connectors. Negotiated as the machine line says. No unplug timeouts (QEMU 7.2 has none) unless
/// asked for, then the library's defaults. Devices go by the trace's ids; the notifications they get are kept, in
/// order, for the replay to compare with QEMU's QMP events.
/// </summary>
internal sealed class TracedMachine : IDisposable
{
    /// <summary>QEMU's pseries machine has 31 PHB slots (index 0 .. 30).</summary>
    public const int PhbConnectors = 31;

    /// <summary>PMEM connectors, one per NVDIMM slot of the traced machine (<c>-m ...,slots=4</c>).</summary>
    public const int PmemConnectors = 4;

    // A host bridge brings one bus of connectors: ids (bridge << 16) | devfn, devfn 0 .. 255 (SPEC section 1).
    private const int BusIdShift = 16;
    private const int ConnectorsPerBus = 256;

    private readonly Dictionary<string, ReplayDevice> _devices = new(StringComparer.Ordinal);
    private readonly List<RaisedNotification> _raised = [];
    private readonly FragmentShapes _shapes;

    private TracedMachine(Trace trace, bool timeouts)
    {
        _shapes = new FragmentShapes(trace);
        var options = new DrcOptions();
        if (!timeouts)
        {
            foreach (var kind in DrcKind.All)
            {
                options.SetUnplugTimeout(kind.Type, Timeout.InfiniteTimeSpan);
            }
        }

        Registry = new DrcRegistry(options, Clock.Guest);
        Registry.UnplugCompleted += (_, e) => Raise(e, "unplug-completed", QmpEvent.DeviceDeleted);
        Registry.UnplugRejectedByGuest += (_, e) => Raise(e, "unplug-rejected-by-guest", QmpEvent.DeviceUnplugGuestError);
        Registry.UnplugTimedOut += (_, e) => Raise(e, "unplug-timed-out", null);
        Registry.UnplugCancelled += (_, e) => Raise(e, "unplug-cancelled", null);
    }

    public DrcRegistry Registry { get; }

    public SimClock Clock { get; } = new();

    /// <summary>Builds the traced machine as it stood when the guest's first traced call came.</summary>
    public static TracedMachine Build(Trace trace, bool timeouts)
    {
        var machine = new TracedMachine(trace, timeouts);
        try
        {
            machine.Populate(trace.Machine);
            return machine;
        }
        catch
        {
            machine.Dispose();
            throw;
        }
    }

    /// <summary>Hot plugs a traced device_add: attach, which queues the Add event (SPEC section 5).</summary>
    public bool TryAttach(DeviceAddLine add, out string? error)
    {
        if (add.First.Id + (ulong)add.Count - 1 > DrcIndex.MaxId)
        {
            error = "the device's connectors do not fit in 28-bit ids";
            return false;
        }

        var connectors = Enumerable.Range(0, add.Count).Select(i => DrcIndex.From(add.Type, add.First.Id + (uint)i)).ToList();

        var device = new ReplayDevice(add.Id, add.First);
        bool attached = Attach(device, connectors, add.Line, PlugMode.Hot, out error);
        if (attached)
        {
            _devices[add.Id] = device;
        }

        return attached;
    }

    /// <summary>The host's unplug request for a traced device_del; null when no device has that id.</summary>
    public UnplugRequestResult? RequestUnplug(string id) =>
        _devices.TryGetValue(id, out var device) ? Registry.RequestUnplug(device.First) : null;

    /// <summary>Whether the device with that id spans several connectors (a memory device).</summary>
    public bool SpansConnectors(string id) => _devices.TryGetValue(id, out var device) && DrcKind.Of(device.First.Type).DeviceSpansConnectors;

    /// <summary>The notifications raised since the last call, in the order they were raised.</summary>
    public List<RaisedNotification> TakeRaised()
    {
        var taken = _raised.ToList();
        _raised.Clear();
        return taken;
    }

    /// <summary>Runs the guest clock past every pending unplug's deadline, so each timeout that would ever fire fires.</summary>
    public void RunPastEveryDeadline()
    {
        var deadlines = Registry.GetPendingUnplugs().Select(p => p.Deadline).OfType<DateTimeOffset>().ToList();
        if (deadlines.Count > 0)
        {
            Clock.Advance(Clock.GuestUntil(deadlines.Max()) + TimeSpan.FromMilliseconds(1));
        }
    }

    public void Dispose() => Registry.Dispose();

    private void Populate(MachineLine shape)
    {
        Registry.CreateConnectors(DrcType.Cpu, 0, shape.MaxCpus);
        for (uint core = 0; core < shape.Smp; core++)
        {
            var index = DrcIndex.From(DrcType.Cpu, core);
            Cold(new ReplayDevice(string.Create(CultureInfo.InvariantCulture, $"(boot core {core})"), index), [index]);
        }

        Registry.CreateConnectors(DrcType.Phb, 0, PhbConnectors);
        var defaultPhb = DrcIndex.From(DrcType.Phb, 0);
        Cold(new ReplayDevice("(default PHB)", defaultPhb), [defaultPhb]);

        // Hot-pluggable memory starts where RAM ends: LMB id = guest physical address / 256 MiB.
        int firstLmb = (shape.RamMb + shape.LmbMb - 1) / shape.LmbMb;
        int lmbs = (shape.MaxMemMb - shape.RamMb) / shape.LmbMb;
        if (lmbs > 0)
        {
            Registry.CreateConnectors(DrcType.Lmb, (uint)firstLmb, lmbs);
        }

        Registry.CreateConnectors(DrcType.Pmem, 0, PmemConnectors);
        if (shape.Negotiated)
        {
            Registry.NegotiateClientArchitecture();
        }
    }

    private void Cold(ReplayDevice device, IReadOnlyList<DrcIndex> connectors)
    {
        if (!Attach(device, connectors, attachedAt: 0, PlugMode.Cold, out string? error))
        {
            throw new InvalidOperationException($"The traced machine's {device.Id} could not be attached: {error}");
        }
    }

    private bool Attach(ReplayDevice device, IReadOnlyList<DrcIndex> connectors, int attachedAt, PlugMode mode, out string? error)
    {
        var fragmentFor = _shapes.For(connectors, attachedAt);
        var kind = DrcKind.Of(device.First.Type);
        if (kind.ReleaseRemovesOwnedConnectors && Registry.TryGet(device.First, out var bridge) && bridge.Device is null)
        {
            CreateBus(device.First);
        }

        return kind.DeviceSpansConnectors
            ? Registry.TryAttachMemoryDevice(device.First, connectors.Count, device, fragmentFor, mode, out error)
            : Registry.TryAttach(device.First, device, fragmentFor(device.First), mode, out error);
    }

    /// <summary>The connectors a host bridge owns (its bus's PCI slots), unless they exist already.</summary>
    private void CreateBus(DrcIndex bridge)
    {
        var bridgeKind = DrcKind.Of(bridge.Type);
        foreach (var owned in DrcKind.All.Where(k => (k.AllowedOwners & bridgeKind.Mask) != 0))
        {
            uint first = bridge.Id << BusIdShift;
            if (!Registry.TryGet(owned.Type, first, out _))
            {
                Registry.CreateConnectors(owned.Type, first, ConnectorsPerBus, bridge);
            }
        }
    }

    private void Raise(UnplugEventArgs e, string notification, QmpEvent? counterpart) =>
        _raised.Add(new RaisedNotification(notification, counterpart, e.Device is ReplayDevice device ? device.Id : Format.Device(e.Device)));
}
