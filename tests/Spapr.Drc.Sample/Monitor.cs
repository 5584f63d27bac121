using System.Globalization;

namespace Spapr.Drc.Sample;

/// <summary>
/// The management side of the run: what a user or libvirt does through QEMU's monitor while the guest runs.
/// device_add, device_del with a short timeout on the real clock, cancelling a pending unplug, and stop/cont, at
/// random (seeded). One thread, like QEMU's monitor, which runs under the big lock: it is the only thread that plugs
/// devices.
/// </summary>
public sealed class Monitor
{
    private const int MaxDimms = 5;

    private readonly Machine _machine;
    private readonly Ledger _ledger;
    private readonly Random _random;
    private int _deviceNumber;
    private int _pausedSteps = -1;

    /// <param name="machine">The machine to drive.</param>
    /// <param name="ledger">Where accepted requests are booked.</param>
    /// <param name="seed">The seed of its choices.</param>
    /// <param name="firstDeviceNumber">Device names are numbered from here, so that no name is used twice in the machine's life.</param>
    public Monitor(Machine machine, Ledger ledger, int seed, int firstDeviceNumber)
    {
        _machine = machine;
        _ledger = ledger;
        _random = new Random(seed);
        _deviceNumber = firstDeviceNumber;
    }

    /// <summary>The number the next device name would take.</summary>
    public int NextDeviceNumber => _deviceNumber;

    /// <summary>Commands issued, for the run's report.</summary>
    public int Commands { get; private set; }

    /// <summary>How often it stopped the guest, for the run's report.</summary>
    public int Pauses { get; private set; }

    /// <summary>Issues commands until <paramref name="stop"/> is cancelled, and leaves the machine running.</summary>
    public void Run(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                Step();
                Thread.Sleep(_random.Next(0, 3));
            }
        }
        finally
        {
            _machine.Resume();
        }
    }

    private void Step()
    {
        Commands++;
        int roll = _random.Next(100);
        if (roll < 35)
        {
            Plug();
        }
        else if (roll < 80)
        {
            Unplug();
        }
        else if (roll < 85)
        {
            Cancel();
        }
        else if (roll < 89)
        {
            StopOrContinue();
        }

        // A stopped guest is resumed within a few commands; the monitor works on meanwhile (QEMU allows device_del
        // while stopped: the Remove event waits, and the timeout does not run).
        if (_pausedSteps >= 0 && ++_pausedSteps > 8)
        {
            StopOrContinue();
        }
    }

    private void Plug()
    {
        var device = _random.Next(4) switch
        {
            0 => NewCpuCore(),
            1 => NewDimm(),
            2 => NewHostBridge(),
            _ => NewPciCard(),
        };

        // A refusal (a connector taken meanwhile, a slot whose bridge just left) is an answer, not an error.
        if (device is not null)
        {
            _machine.DeviceAdd(device, out _);
        }
    }

    private void Unplug()
    {
        // The boot core only now and then: its unplug is refused (NotAllowed), every time.
        var devices = _machine.Devices.Where(d => d.Name != "core0" || _random.Next(100) < 5).ToArray();
        if (devices.Length == 0)
        {
            return;
        }

        // Mostly short timeouts, so that they fire while the guest ignores a request; sometimes the type's default
        // (CPU 15 s, others none), so that a few requests stay pending until a cancel or the final reset.
        var device = devices[_random.Next(devices.Length)];
        TimeSpan? timeout = _random.Next(100) < 80 ? TimeSpan.FromMilliseconds(_random.Next(10, 150)) : null;
        if (_machine.DeviceDel(device, timeout) is { } result)
        {
            _ledger.Record(result);
        }
    }

    private void Cancel()
    {
        var pending = _machine.Devices.Where(_machine.IsUnplugPending).ToArray();
        if (pending.Length > 0)
        {
            _machine.CancelUnplug(pending[_random.Next(pending.Length)]);
        }
    }

    private void StopOrContinue()
    {
        if (_machine.IsRunning)
        {
            _machine.Pause();
            _pausedSteps = 0;
            Pauses++;
        }
        else
        {
            _machine.Resume();
            _pausedSteps = -1;
        }
    }

    private MachineDevice? NewCpuCore()
    {
        var configuration = _machine.Configuration;
        var free = Enumerable.Range(0, configuration.MaxCpuCores)
            .Select(configuration.CpuConnector)
            .Where(c => _machine.Registry[c].AttachedDevice is null)
            .ToArray();
        return free.Length == 0 ? null : new(Name("core"), DeviceKind.CpuCore, free[_random.Next(free.Length)]);
    }

    private MachineDevice? NewDimm()
    {
        // At most five DIMMs of at most 4 LMBs in 32 LMBs: whatever the gaps, a run of 2 free LMBs always remains,
        // which the migration step may need.
        if (_machine.Devices.Count(d => d.Kind == DeviceKind.Dimm) >= MaxDimms)
        {
            return null;
        }

        int lmbs = _random.Next(1, 5);
        return _machine.FindFreeLmbs(lmbs) is { } first ? new(Name("dimm"), DeviceKind.Dimm, first, lmbs) : null;
    }

    private MachineDevice? NewHostBridge()
    {
        var absent = _machine.Configuration.HostBridges.Where(b => _machine.Registry[b.Connector].AttachedDevice is null).ToArray();
        return absent.Length == 0 ? null : new(Name("phb"), DeviceKind.HostBridge, absent[_random.Next(absent.Length)].Connector);
    }

    private MachineDevice? NewPciCard()
    {
        // Slot connectors exist only while their bridge is plugged.
        var free = _machine.Configuration.HostBridges
            .SelectMany(b => Enumerable.Range(0, b.Slots).Select(b.SlotConnector))
            .Where(slot => _machine.Registry.TryGet(slot, out var connector) && connector.AttachedDevice is null)
            .ToArray();
        return free.Length == 0 ? null : new(Name("net"), DeviceKind.PciCard, free[_random.Next(free.Length)]);
    }

    private string Name(string prefix) => prefix + (_deviceNumber++).ToString(CultureInfo.InvariantCulture);
}
