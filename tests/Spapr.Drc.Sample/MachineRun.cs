using System.Collections.Concurrent;

namespace Spapr.Drc.Sample;

/// <summary>
/// A running guest and its monitor on one machine: a thread per vCPU (<see cref="VcpuGuest"/>) and one for the
/// <see cref="Monitor"/>. <see cref="StopAtQuietPoint"/> ends it where a migration or a final check can look at a
/// still machine.
/// </summary>
public sealed class MachineRun
{
    // Generous: a loaded 2-core CI machine may be slow, but a thread that takes this long is stuck.
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stopMonitor = new();
    private readonly CancellationTokenSource _stopGuest = new();
    private readonly ConcurrentQueue<Exception> _failures = new();
    private readonly Thread _monitorThread;
    private readonly Thread[] _vcpuThreads;

    private MachineRun(Machine machine, Ledger ledger, int seed, int firstDeviceNumber)
    {
        Monitor = new Monitor(machine, ledger, seed, firstDeviceNumber);
        Guests = [.. Enumerable.Range(0, machine.Configuration.Vcpus).Select(vcpu => new VcpuGuest(machine, vcpu, seed + 1 + vcpu))];
        _monitorThread = NewThread("monitor", () => Monitor.Run(_stopMonitor.Token));
        _vcpuThreads = [.. Guests.Select((guest, vcpu) => NewThread($"vcpu{vcpu}", () => guest.Run(_stopGuest.Token)))];
    }

    public Monitor Monitor { get; }

    public IReadOnlyList<VcpuGuest> Guests { get; }

    /// <summary>Starts the vCPU threads and the monitor on a machine whose guest runs.</summary>
    public static MachineRun Start(Machine machine, Ledger ledger, int seed, int firstDeviceNumber)
    {
        var run = new MachineRun(machine, ledger, seed, firstDeviceNumber);
        foreach (var thread in run._vcpuThreads.Append(run._monitorThread))
        {
            thread.Start();
        }

        return run;
    }

    /// <summary>
    /// Stops the monitor (which leaves the machine running), then lets the vCPUs finish every queued event and stop.
    /// Afterwards nothing is queued for the guest and no guest sequence is half done; pending unplugs stay pending.
    /// </summary>
    /// <exception cref="AggregateException">A thread failed.</exception>
    /// <exception cref="TimeoutException">A thread did not stop.</exception>
    public void StopAtQuietPoint()
    {
        _stopMonitor.Cancel();
        Join(_monitorThread);
        _stopGuest.Cancel();
        foreach (var thread in _vcpuThreads)
        {
            Join(thread);
        }

        if (!_failures.IsEmpty)
        {
            throw new AggregateException("A thread of the run failed.", _failures);
        }
    }

    private static void Join(Thread thread)
    {
        if (!thread.Join(JoinTimeout))
        {
            throw new TimeoutException($"Thread {thread.Name} did not stop within {JoinTimeout.TotalSeconds} s.");
        }
    }

    private Thread NewThread(string name, Action body) => new(() =>
    {
        try
        {
            body();
        }
#pragma warning disable CA1031 // A thread's failure is handed to the test, which fails with it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _failures.Enqueue(ex);
        }
    })
    {
        Name = name,
        IsBackground = true,
    };
}
