using System.Collections.Concurrent;

namespace Spapr.Drc.Stress.Infrastructure;

/// <summary>
/// Records every notification of a registry by request id and checks, as they arrive, that no request hears of
/// anything after its terminal outcome and that no request has two terminal outcomes.
/// </summary>
internal sealed class NotificationLedger
{
    private readonly object _sync = new();
    private readonly Dictionary<long, List<(string Kind, UnplugOutcome Outcome, bool Terminal)>> _byRequest = [];
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly ConcurrentDictionary<string, long> _counts = new();
    private long _hotplugEvents;

    public NotificationLedger(DrcRegistry registry)
    {
        registry.UnplugCompleted += (_, e) => Record("completed", e);
        registry.UnplugTimedOut += (_, e) => Record("timed-out", e);
        registry.UnplugRejectedByGuest += (_, e) => Record("rejected", e);
        registry.UnplugCancelled += (_, e) => Record("cancelled", e);
        registry.HotplugEventQueued += (_, _) => Interlocked.Increment(ref _hotplugEvents);
    }

    public IReadOnlyCollection<string> Violations => _violations;

    public long HotplugEvents => Interlocked.Read(ref _hotplugEvents);

    public long Total
    {
        get
        {
            lock (_sync)
            {
                return _byRequest.Values.Sum(l => (long)l.Count);
            }
        }
    }

    public long CountOf(UnplugOutcome outcome) => _counts.TryGetValue(outcome.ToString(), out var n) ? n : 0;

    public long CountOfKind(string kind) => _counts.TryGetValue("kind:" + kind, out var n) ? n : 0;

    /// <summary>The requests seen, with whether each reached a terminal outcome.</summary>
    public Dictionary<long, int> TerminalCounts()
    {
        lock (_sync)
        {
            return _byRequest.ToDictionary(p => p.Key, p => p.Value.Count(n => n.Terminal));
        }
    }

    private void Record(string kind, UnplugEventArgs e)
    {
        _counts.AddOrUpdate(e.Outcome.ToString(), 1, static (_, n) => n + 1);
        _counts.AddOrUpdate("kind:" + kind, 1, static (_, n) => n + 1);
        bool kindMatches = kind switch
        {
            "completed" => e.Outcome is UnplugOutcome.Completed or UnplugOutcome.CompletedByReset or UnplugOutcome.RemovedWithOwner && e.IsTerminal,
            "rejected" => e.Outcome == UnplugOutcome.RejectedByGuest && e.IsTerminal,
            "cancelled" => e.Outcome == UnplugOutcome.Cancelled && e.IsTerminal,
            _ => e.Outcome == UnplugOutcome.TimedOut,
        };
        if (!kindMatches)
        {
            _violations.Enqueue($"request {e.RequestId}: {kind} notification carries {e.Outcome} terminal={e.IsTerminal}");
        }

        if (e.RequestId == 0)
        {
            // A card removed with its PHB while no unplug of it was pending: no request to follow.
            if (e.Outcome != UnplugOutcome.RemovedWithOwner)
            {
                _violations.Enqueue($"request 0: {kind} ({e.Outcome}); only a device removed with its owner has no request");
            }

            return;
        }

        lock (_sync)
        {
            if (!_byRequest.TryGetValue(e.RequestId, out var list))
            {
                _byRequest[e.RequestId] = list = [];
            }

            if (list.Exists(n => n.Terminal))
            {
                _violations.Enqueue($"request {e.RequestId}: {kind} ({e.Outcome}) after its terminal outcome {list.First(n => n.Terminal).Outcome}");
            }

            list.Add((kind, e.Outcome, e.IsTerminal));
        }
    }
}
