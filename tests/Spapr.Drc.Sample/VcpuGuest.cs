namespace Spapr.Drc.Sample;

/// <summary>
/// One vCPU thread of the guest. It waits for the machine's event interrupt, takes hotplug events with
/// check-exception and acts on each the way Linux does: an Add event acquires the connectors it names, a Remove event
/// releases them. Now and then it does what a real guest also does: refuses a removal, releases only part of a DIMM
/// (Linux could not offline the rest), or leaves an event alone. Every such choice is the machine's to survive: the
/// timeouts, retries, cancels and the final reset must still end each unplug request exactly once.
/// </summary>
/// <remarks>
/// Linux handles hotplug events one at a time on one work queue; here every vCPU takes events, so two vCPUs may work
/// on the same device at once. The registry serializes their RTAS calls, and a call that lost a race gets a status
/// code, which the guest handles by giving up, as Linux does.
/// </remarks>
public sealed class VcpuGuest
{
    // How long an idle vCPU waits for the event interrupt before it scans for events anyway (Linux's rtasd polls too).
    private static readonly TimeSpan ScanInterval = TimeSpan.FromMilliseconds(20);

    private readonly Machine _machine;
    private readonly LinuxKernel _kernel;
    private readonly Random _random;

    public VcpuGuest(Machine machine, int vcpu, int seed)
    {
        _machine = machine;
        _kernel = new LinuxKernel(machine, vcpu);
        _random = new Random(seed);
    }

    /// <summary>Events handled, for the run's report.</summary>
    public int EventsHandled { get; private set; }

    /// <summary>
    /// Runs until <paramref name="stopWhenIdle"/> is cancelled and no event is left: stopping only when idle leaves
    /// the machine at a quiet point (nothing queued, no guest sequence half done) for a migration or the final check.
    /// </summary>
    public void Run(CancellationToken stopWhenIdle)
    {
        while (true)
        {
            bool handled = false;
            while (_kernel.TryTakeEvent(out var log))
            {
                Handle(log);
                handled = true;
            }

            if (!handled && stopWhenIdle.IsCancellationRequested)
            {
                return;
            }

            if (!_machine.WaitForEventInterrupt(ScanInterval))
            {
                _kernel.EventScan();
            }
        }
    }

    /// <summary>The connectors an event names: one by index, or a run of LMBs (count-indexed, once the guest negotiated it).</summary>
    public static IReadOnlyList<DrcIndex> ConnectorsOf(HotplugEventLog log) =>
        log.Index is { } first
            ? [.. Enumerable.Range(0, (int)log.Count).Select(i => DrcIndex.FromValue(first.Value + (uint)i))]
            : []; // A memory Add "by count" names no LMB; the machine negotiated indexed events at boot, so none come.

    private void Handle(HotplugEventLog log)
    {
        EventsHandled++;
        var connectors = ConnectorsOf(log);
        if (log.Action == HotplugAction.Add)
        {
            Add(connectors);
        }
        else
        {
            Remove(log.Type, connectors);
        }
    }

    private void Add(IReadOnlyList<DrcIndex> connectors)
    {
        if (Chance(5))
        {
            return; // Busy: the device stays unused until the host unplugs it (which then completes at once).
        }

        foreach (var connector in connectors)
        {
            _kernel.Acquire(connector);
        }
    }

    private void Remove(HotplugType type, IReadOnlyList<DrcIndex> connectors)
    {
        int roll = _random.Next(100);
        switch (type)
        {
            case HotplugType.Memory when roll < 50:
            case HotplugType.Cpu when roll < 70:
            case HotplugType.Pci or HotplugType.Phb when roll < 85:
                ReleaseAll(connectors);
                break;
            case HotplugType.Memory when roll < 70 && connectors.Count > 1:
                // Some LMBs went offline, the rest could not: the unplug stays pending on what is held, until the
                // host retries (after the timeout), cancels, or resets.
                ReleaseAll(connectors.Take(_random.Next(1, connectors.Count)));
                break;
            case HotplugType.Memory when roll < 85:
                // Linux's rollback: part released, then the hint that the removal failed; the whole DIMM's unplug ends.
                int released = _random.Next(connectors.Count);
                ReleaseAll(connectors.Take(released));
                _kernel.RefuseRemoval(connectors[released]);
                break;
            case HotplugType.Cpu when roll < 85:
                _kernel.RefuseRemoval(connectors[0]); // e.g. the last online CPU
                break;
            default:
                break; // Ignored: the host's timeout is what notices.
        }
    }

    private void ReleaseAll(IEnumerable<DrcIndex> connectors)
    {
        foreach (var connector in connectors)
        {
            _kernel.Release(connector);
        }
    }

    private bool Chance(int percent) => _random.Next(100) < percent;
}
