using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Spapr.Drc.Sample;

/// <summary>
/// A toy pSeries machine: guest RAM, the connector registry on a virtual clock, and the RTAS dispatcher behind the
/// h_rtas hypercall. The guest reaches the connectors only through <see cref="HRtas"/> and the event interrupt; the
/// host side is what QEMU's monitor commands do (<see cref="DeviceAdd"/>, <see cref="DeviceDel"/>,
/// <see cref="CancelUnplug"/>, <see cref="Pause"/>, <see cref="Resume"/>) plus migration (<see cref="Save"/>,
/// <see cref="Restore"/>).
/// </summary>
public sealed class Machine : IDisposable
{
    // How long a vCPU may stay blocked on a paused machine before the sample calls it a hang (no test waits forever).
    private static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(30);

    private readonly DynamicMemoryOptions _memoryLayout;
    private readonly ConcurrentDictionary<string, MachineDevice> _devices = new(StringComparer.Ordinal);
    private readonly ManualResetEventSlim _running = new(initialState: false);
    private readonly ManualResetEventSlim _eventInterrupt = new(initialState: false);

    /// <summary>Builds the machine's connectors and cold-plugs the configuration's devices. The guest does not run yet.</summary>
    public Machine(MachineConfiguration configuration)
    {
        Configuration = configuration;

        // Unplug timeouts should count guest time, so the registry's clock stands still while the machine is paused.
        // It starts paused: the guest runs from Boot() (or Resume() after a migration).
        Clock = new PausableTimeProvider(TimeProvider.System, startPaused: true);
        Registry = new DrcRegistry(new DrcOptions { TimeoutPolicy = UnplugTimeoutPolicy.KeepPending, BootCpuId = 0 }, Clock);
        Ram = new GuestMemory(configuration.BackedRam);
        Rtas = new RtasDispatcher(Registry, Ram);
        _memoryLayout = new DynamicMemoryOptions(configuration.BootMemory);

        Registry.HotplugEventQueued += (_, _) => _eventInterrupt.Set();

        // The emulator frees a device when its removal ends (QEMU unrealizes it on DEVICE_DELETED). Removals end on
        // whatever thread ended them: a vCPU's RTAS call, the monitor, a reset, or a host bridge taking its cards along.
        Registry.UnplugCompleted += (_, e) => _devices.TryRemove(((MachineDevice)e.Device).Name, out MachineDevice? _);

        for (int core = 0; core < configuration.MaxCpuCores; core++)
        {
            Registry.CreateConnector(DrcType.Cpu, configuration.CpuConnector(core).Id);
        }

        Registry.CreateConnectors(DrcType.Lmb, configuration.FirstLmbId, configuration.HotplugLmbs);
        foreach (var bridge in configuration.HostBridges)
        {
            Registry.CreateConnector(DrcType.Phb, bridge.Id);
        }

        // Bridges first: a card's slot connector exists only once its bridge is plugged.
        foreach (var device in configuration.Devices.OrderBy(d => d.Kind != DeviceKind.HostBridge))
        {
            if (!TryPlug(device, PlugMode.Cold, out string? error))
            {
                throw new ArgumentException($"The configuration's device {device.Name} cannot be plugged: {error}", nameof(configuration));
            }
        }
    }

    public MachineConfiguration Configuration { get; }

    /// <summary>The guest's virtual clock.</summary>
    public PausableTimeProvider Clock { get; }

    public DrcRegistry Registry { get; }

    public GuestMemory Ram { get; }

    public RtasDispatcher Rtas { get; }

    /// <summary>The devices present now (plugged, and not yet removed).</summary>
    public IReadOnlyCollection<MachineDevice> Devices => [.. _devices.Values];

    /// <summary>
    /// The configuration a migration destination is started from: the same topology, and every device present now
    /// (boot devices and hot-plugged ones alike), each to be cold-plugged whole.
    /// </summary>
    public MachineConfiguration CurrentConfiguration => Configuration.WithDevices(Devices);

    /// <summary>Whether the guest runs (the machine is not paused).</summary>
    public bool IsRunning => _running.IsSet;

    /// <summary>
    /// Starts the guest. Its first act is the client-architecture-support negotiation, where Linux asks for the
    /// hot-plug event class and count-indexed memory events; the registry resets the connectors as a reboot does.
    /// </summary>
    public void Boot()
    {
        Registry.NegotiateClientArchitecture(hotplugEvents: true);
        Resume();
    }

    /// <summary>QEMU's "stop": the vCPUs and the virtual clock stand still, so no unplug times out meanwhile.</summary>
    public void Pause()
    {
        _running.Reset();
        Clock.Pause();
    }

    /// <summary>QEMU's "cont".</summary>
    public void Resume()
    {
        Clock.Resume();
        _running.Set();
    }

    /// <summary>The device tree the guest boots with, rebuilt on each call from the connectors' current state.</summary>
    public DeviceTreeNode BuildDeviceTree() => MachineDeviceTree.Build(this, _memoryLayout);

    /// <summary>
    /// The h_rtas hypercall, made by a vCPU with the guest physical address of its RTAS argument buffer (r3). The
    /// dispatcher reads the buffer, runs the call and writes the return cells back into guest memory.
    /// </summary>
    /// <returns>The hypercall's return value (r3).</returns>
    public long HRtas(ulong argsAddress)
    {
        // A paused machine runs no guest instruction: the vCPU stops here until the machine continues.
        if (!_running.Wait(MaxPause))
        {
            throw new TimeoutException($"The machine stayed paused for {MaxPause.TotalSeconds} s.");
        }

        var result = Rtas.Dispatch(argsAddress);

        // PAPR keeps the event interrupt asserted while events remain, so the guest comes back for them.
        if (result.PendingEventClasses != RtasEventClasses.None)
        {
            _eventInterrupt.Set();
        }

        return result.HcallStatus;
    }

    /// <summary>What a vCPU does when idle: waits for the event interrupt, and acknowledges it.</summary>
    /// <returns>Whether the interrupt came.</returns>
    public bool WaitForEventInterrupt(TimeSpan timeout)
    {
        if (!_eventInterrupt.Wait(timeout))
        {
            return false;
        }

        _eventInterrupt.Reset();
        return true;
    }

    /// <summary>device_add: hot-plugs a device; the registry queues an Add event for the guest.</summary>
    /// <returns>Whether it was plugged; if not, why (a connector in use, a missing slot...).</returns>
    public bool DeviceAdd(MachineDevice device, [NotNullWhen(false)] out string? error) => TryPlug(device, PlugMode.Hot, out error);

    /// <summary>device_del: asks the guest to release a device, with a timeout (<see langword="null"/>: the type's default).</summary>
    /// <returns>The registry's answer; <see langword="null"/> when the device is no longer in the machine.</returns>
    public UnplugRequestResult? DeviceDel(MachineDevice device, TimeSpan? timeout = null)
    {
        // Requests name a connector, not a device. Check that the connector still holds this device: its removal may
        // have ended and another device been plugged there. Safe because only the monitor thread plugs.
        return HoldsDevice(device, out _) ? Registry.RequestUnplug(device.Connector, timeout) : null;
    }

    /// <summary>Cancels the device's pending unplug on the host side (the guest is not told: PAPR has no abort).</summary>
    public bool CancelUnplug(MachineDevice device) => HoldsDevice(device, out _) && Registry.CancelUnplug(device.Connector);

    /// <summary>Whether an unplug of the device is pending.</summary>
    public bool IsUnplugPending(MachineDevice device) => HoldsDevice(device, out var attached) && attached.IsUnplugPending;

    /// <summary>The first run of <paramref name="count"/> LMB connectors that hold no device, for a new DIMM.</summary>
    public DrcIndex? FindFreeLmbs(int count)
    {
        int run = 0;
        for (uint id = Configuration.FirstLmbId; id < Configuration.FirstLmbId + (uint)Configuration.HotplugLmbs; id++)
        {
            run = Registry[DrcType.Lmb, id].AttachedDevice is null ? run + 1 : 0;
            if (run == count)
            {
                return DrcIndex.From(DrcType.Lmb, id + 1 - (uint)count);
            }
        }

        return null;
    }

    /// <summary>
    /// The migration stream: the registry's snapshot and guest RAM (an emulator sends its other device state
    /// alongside). The machine must be paused, as it is for a migration's last pass.
    /// </summary>
    public MigrationStream Save()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("Pause the machine before saving it.");
        }

        var ram = new byte[Configuration.BackedRam];
        Ram.TryRead(0, ram);
        return new MigrationStream(Registry.SaveSnapshot(), ram);
    }

    /// <summary>
    /// The migration destination: a machine built from the source's <see cref="CurrentConfiguration"/> (the same
    /// connectors, every device cold-plugged whole, even a DIMM whose LMBs the guest partly released), then the
    /// stream loaded over it (connector states, released LMBs, pending unplugs and their timers, queued events).
    /// It is paused: <see cref="Resume"/> runs the guest on.
    /// </summary>
    /// <exception cref="DrcSnapshotException">The stream does not fit this configuration; nothing was started.</exception>
    public static Machine Restore(MachineConfiguration configuration, MigrationStream stream)
    {
        var machine = new Machine(configuration);
        try
        {
            machine.Registry.LoadSnapshot(stream.DrcState);
            machine.Ram.TryWrite(0, stream.Ram);
            return machine;
        }
        catch
        {
            machine.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Registry.Dispose();
        _running.Dispose();
        _eventInterrupt.Dispose();
    }

    private bool HoldsDevice(MachineDevice device, [NotNullWhen(true)] out AttachedDevice? attached) =>
        Registry.TryGetDevice(device.Connector, out attached) && attached.Device.Equals(device);

    private bool TryPlug(MachineDevice device, PlugMode mode, [NotNullWhen(false)] out string? error)
    {
        // Listed before it is attached: once attached it may leave at any moment (a bridge's release takes its cards).
        if (!_devices.TryAdd(device.Name, device))
        {
            error = $"A device named {device.Name} exists already.";
            return false;
        }

        bool plugged = device.Kind switch
        {
            DeviceKind.Dimm => Registry.TryAttachMemoryDevice(device.Connector, device.LmbCount, device, LmbFragment, mode, out error),
            DeviceKind.HostBridge => TryPlugHostBridge(device, mode, out error),
            DeviceKind.CpuCore => Registry.TryAttach(device.Connector, device, DeviceFragments.CpuCore(device.Connector, Configuration.ThreadsPerCore), mode, out error),
            _ => Registry.TryAttach(device.Connector, device, DeviceFragments.PciCard(device.Connector), mode, out error),
        };

        if (!plugged)
        {
            _devices.TryRemove(device.Name, out _);
        }

        return plugged;
    }

    private DeviceTreeNode LmbFragment(DrcIndex lmb) => DynamicReconfigurationMemory.LmbFragment(_memoryLayout, lmb, numaNode: 0);

    private bool TryPlugHostBridge(MachineDevice device, PlugMode mode, [NotNullWhen(false)] out string? error)
    {
        if (!Registry.TryAttach(device.Connector, device, DeviceFragments.HostBridge(device.Connector), mode, out error))
        {
            return false;
        }

        // A bridge brings its PCI slots. Their connectors are owned by the bridge's connector: when the guest releases
        // the bridge, the registry removes them, and any card in them ends with RemovedWithOwner.
        var bridge = Configuration.HostBridges.Single(b => b.Connector == device.Connector);
        for (int slot = 0; slot < bridge.Slots; slot++)
        {
            Registry.CreateConnector(DrcType.Pci, bridge.SlotConnector(slot).Id, owner: bridge.Connector);
        }

        return true;
    }
}
