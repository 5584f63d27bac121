using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Spapr.Drc;

/// <summary>
/// The inside of one <see cref="DrcRegistry"/>: the lock that serializes every state change, the connectors, the
/// parts that act on them (the unplug coordinator, the notification outbox, the change list) and what they share
/// (options, clock, logger, meter). The public registry is a facade over this; the parts reach each other through it.
/// </summary>
internal sealed partial class RegistryCore
{
    private SpaprDrc[]? _ordered;
    private volatile bool _disposed;
    private volatile bool _negotiated;

    public RegistryCore(DrcRegistry facade, DrcOptions options, TimeProvider time, ILogger logger)
    {
        Facade = facade;
        Options = options;
        Time = time;
        Logger = logger;
        Connectors = new ConnectorTable(Sync);
        Outbox = new NotificationOutbox(this);
        Unplugs = new UnplugCoordinator(this);
        Metrics = new DrcMetrics(options.MeterFactory, () => Unplugs.PendingCount);
    }

    /// <summary>The registry lock: like QEMU's big lock, every state change of the machine's connectors happens under it.</summary>
    public SyncLock Sync { get; } = new();

    public DrcRegistry Facade { get; }

    public DrcOptions Options { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    public DrcMetrics Metrics { get; }

    public ConnectorTable Connectors { get; }

    /// <summary>The connectors that may differ from cold plug, and the count of connectors holding a device.</summary>
    public ChangedConnectors Changes { get; } = new();

    public NotificationOutbox Outbox { get; }

    public UnplugCoordinator Unplugs { get; }

    public bool Disposed => _disposed;

    /// <summary>Whether the guest negotiated the hot-plug event class at client-architecture-support.</summary>
    public bool Negotiated
    {
        get => _negotiated;
        set => _negotiated = value;
    }

    /// <summary>Set when connectors left the machine (a PHB took its slots along), so a sweep over them starts over.</summary>
    public bool StructureChanged { get; set; }

    public long NowTicks => Time.GetUtcNow().UtcTicks;

    /// <summary>
    /// Host and guest calls that took the lock, counting up (and wrapping): the unplug timer compares it across its
    /// batches to see whether other callers are busy with the registry.
    /// </summary>
    public int Activity { get; set; }

    /// <summary>
    /// A host entry point: takes the lock, refuses a disposed registry, does the work, checks the invariants (Debug),
    /// releases the lock, then raises what the work queued. Every public operation that changes state goes through
    /// here or through <see cref="Guest"/>.
    /// </summary>
    public TResult Host<TState, TResult>(TState state, Func<RegistryCore, TState, TResult> work)
    {
        try
        {
            lock (Sync)
            {
                ObjectDisposedException.ThrowIf(_disposed, Facade);
                Activity++;
                var result = work(this, state);
                AssertInvariantsInDebug();
                return result;
            }
        }
        finally
        {
            Outbox.Dispatch();
        }
    }

    /// <summary>A guest (RTAS) entry point: as <see cref="Host"/>, but a disposed registry answers <paramref name="whenDisposed"/> instead of throwing.</summary>
    public TResult Guest<TState, TResult>(TState state, TResult whenDisposed, Func<RegistryCore, TState, TResult> work)
    {
        try
        {
            lock (Sync)
            {
                if (_disposed)
                {
                    return whenDisposed;
                }

                Activity++;
                var result = work(this, state);
                AssertInvariantsInDebug();
                return result;
            }
        }
        finally
        {
            Outbox.Dispatch();
        }
    }

    /// <summary>
    /// The unplug timer's entry point: as <see cref="Guest"/> (a disposed registry answers false), except that with
    /// <paramref name="waitForLock"/> false it does nothing and answers <see langword="null"/> when another thread
    /// holds the lock, so that the timer thread never spins against a burst of requests.
    /// </summary>
    public bool? TimerWork<TState>(TState state, bool waitForLock, Func<RegistryCore, TState, bool> work)
    {
        if (waitForLock)
        {
            return Guest(state, false, work);
        }

        if (!SyncLocks.TryEnter(Sync))
        {
            return null;
        }

        try
        {
            try
            {
                if (_disposed)
                {
                    return false;
                }

                bool result = work(this, state);
                AssertInvariantsInDebug();
                return result;
            }
            finally
            {
                SyncLocks.Exit(Sync);
            }
        }
        finally
        {
            Outbox.Dispatch();
        }
    }

    /// <summary>Stops the timer and the outbox; afterwards host calls throw and guest calls answer HardwareError.</summary>
    /// <returns>Whether this call disposed it (false when it already was).</returns>
    public bool Dispose()
    {
        lock (Sync)
        {
            if (_disposed)
            {
                return false;
            }

            _disposed = true;
            Unplugs.Dispose();
        }

        Outbox.Close();
        Metrics.Dispose();
        return true;
    }

    /// <summary>The connectors in index order; rebuilt after connectors are added or removed.</summary>
    public SpaprDrc[] Ordered()
    {
        if (_ordered is null)
        {
            var array = new SpaprDrc[Connectors.Count];
            Connectors.Values.CopyTo(array, 0);
            Array.Sort(array, static (a, b) => a.Index.Value.CompareTo(b.Index.Value));
            _ordered = array;
        }

        return _ordered;
    }

    /// <summary>Connectors were added or removed: the next <see cref="Ordered"/> sorts again.</summary>
    public void OrderChanged() => _ordered = null;

    /// <summary>Whether Debug builds check the invariants after each call (allocation tests turn it off: the check allocates).</summary>
    public bool ChecksInvariantsInDebug { get; set; } = true;

    [Conditional("DEBUG")]
    public void AssertInvariantsInDebug()
    {
        if (ChecksInvariantsInDebug)
        {
            AssertInvariants();
        }
    }
}
