using System.Collections.Immutable;

namespace Spapr.Drc;

/// <summary>
/// One pending unplug of one device (a memory device's LMBs share one). Mutable, owned by the registry
/// and changed only under its lock.
/// </summary>
internal sealed class UnplugRequest(long id, SpaprDrc primary, object device, List<SpaprDrc> connectors, DateTimeOffset requestedAt, TimeSpan timeout)
{
    public long Id { get; } = id;

    public SpaprDrc Primary { get; } = primary;

    public object Device { get; } = device;

    /// <summary>The connectors still waiting for the guest; the request completes when this is empty.</summary>
    public List<SpaprDrc> Remaining { get; } = connectors;

    public ImmutableArray<DrcIndex> AllConnectors { get; init; } = [.. connectors.Select(c => c.Index)];

    public DateTimeOffset RequestedAt { get; } = requestedAt;

    public TimeSpan Timeout { get; set; } = timeout;

    /// <summary>When the running timer fires; null when none runs.</summary>
    public DateTimeOffset? Deadline { get; set; }

    /// <summary>Bumped whenever the deadline changes, so a stale timer-queue entry is recognised and ignored.</summary>
    public int TimerGeneration { get; set; }

    /// <summary>A KeepPending timeout already fired; the next host request retries.</summary>
    public bool TimedOut { get; set; }

    /// <summary>Set once the request reached its terminal outcome.</summary>
    public bool Ended { get; set; }
}
