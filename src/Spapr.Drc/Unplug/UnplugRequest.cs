using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Spapr.Drc;

/// <summary>
/// One pending unplug of one device (a memory device's LMBs share one). Mutable, owned by the registry
/// and changed only under its lock.
/// </summary>
internal sealed class UnplugRequest(long id, SpaprDrc primary, object device, List<SpaprDrc> connectors, DateTimeOffset requestedAt, TimeSpan timeout, ImmutableArray<DrcIndex> allConnectors = default)
{
    public long Id { get; } = id;

    public SpaprDrc Primary { get; } = primary;

    public object Device { get; } = device;

    /// <summary>The connectors still waiting for the guest; the request completes when this is empty.</summary>
    public List<SpaprDrc> Remaining { get; } = connectors;

    /// <summary>Every connector of the device, in order; a restored request brings its own (some may be released already).</summary>
    public ImmutableArray<DrcIndex> AllConnectors { get; } = allConnectors.IsDefault ? IndexesOf(connectors) : allConnectors;

    /// <summary>How many runs of consecutive indexes <see cref="AllConnectors"/> makes (a snapshot writes it per save).</summary>
    public int AllConnectorRuns => _allConnectorRuns ??= CountRuns(AllConnectors);

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

    private int? _allConnectorRuns;

    private static int CountRuns(ImmutableArray<DrcIndex> connectors)
    {
        int runs = 0;
        uint next = 0;
        foreach (var index in connectors)
        {
            if (runs == 0 || index.Value != next)
            {
                runs++;
            }

            next = unchecked(index.Value + 1);
        }

        return runs;
    }

    private static ImmutableArray<DrcIndex> IndexesOf(List<SpaprDrc> connectors)
    {
        // A plain loop: this runs once per unplug request, thousands at a time for LMBs.
        var indexes = new DrcIndex[connectors.Count];
        for (int i = 0; i < indexes.Length; i++)
        {
            indexes[i] = connectors[i].Index;
        }

        return ImmutableCollectionsMarshal.AsImmutableArray(indexes);
    }
}
