namespace Spapr.Drc;

/// <summary>What the registry's own tests, drcsim and the benchmarks look at inside (internal).</summary>
public sealed partial class DrcRegistry
{
    internal SyncLock Sync => _core.Sync;

    internal DrcMetrics Metrics => _core.Metrics;

    internal ChangedConnectors Changes => _core.Changes;

    internal bool HasUnplugTimer => _core.Unplugs.HasTimer;

    /// <summary>Checks every invariant; throws <see cref="InvalidOperationException"/> naming the first broken one.</summary>
    internal void AssertInvariants() => _core.AssertInvariants();

    /// <summary>Debug builds check every invariant after each call; the allocation tests turn that off, since the check itself allocates.</summary>
    internal void SkipDebugInvariantChecks() => _core.ChecksInvariantsInDebug = false;

    /// <summary>
    /// Sets whether the guest negotiated the hot-plug event class without the reset that negotiation implies, so events
    /// already queued keep the class they were queued in (tests of the dequeue rule).
    /// </summary>
    internal void SetHotplugEventsNegotiatedWithoutReset(bool negotiated)
    {
        lock (_core.Sync)
        {
            _core.Negotiated = negotiated;
        }
    }
}
