namespace Spapr.Drc.Sample;

/// <summary>
/// The books an emulator (or its management layer) keeps to match unplug requests with their endings: every accepted
/// request, by <see cref="UnplugRequestResult.RequestId"/>, and every notification, by
/// <see cref="UnplugEventArgs.RequestId"/>. It watches each machine the run goes through, so requests that cross a
/// migration are matched too: the destination continues the source's request ids.
/// </summary>
/// <remarks>
/// Notifications are raised on the thread that ended the request, after the registry's lock is released, so a
/// request's end may be booked before the monitor books its acceptance (a CPU the guest never took completes inside
/// the request itself). The books therefore compare sets at the end instead of checking order as they go. Handlers
/// must not throw (the registry logs and swallows what they throw), so anomalies are written down and asserted later.
/// </remarks>
public sealed class Ledger
{
    private readonly object _gate = new();
    private readonly HashSet<long> _accepted = [];
    private readonly Dictionary<long, List<UnplugOutcome>> _endings = [];
    private readonly Dictionary<UnplugRequestStatus, int> _results = [];
    private readonly Dictionary<UnplugOutcome, int> _notifications = [];
    private readonly List<string> _problems = [];

    /// <summary>Starts booking a machine's notifications.</summary>
    public void Watch(DrcRegistry registry)
    {
        registry.UnplugCompleted += OnNotification;
        registry.UnplugRejectedByGuest += OnNotification;
        registry.UnplugCancelled += OnNotification;
        registry.UnplugTimedOut += OnNotification;
    }

    /// <summary>Books the answer to an unplug request.</summary>
    public void Record(UnplugRequestResult result)
    {
        lock (_gate)
        {
            _results[result.Status] = _results.GetValueOrDefault(result.Status) + 1;
            switch (result.Status)
            {
                case UnplugRequestStatus.Requested or UnplugRequestStatus.CompletedImmediately:
                    if (!_accepted.Add(result.RequestId))
                    {
                        _problems.Add($"request id {result.RequestId} was given to a second request: {result}");
                    }

                    break;
                case UnplugRequestStatus.Retried or UnplugRequestStatus.AlreadyPending when !_accepted.Contains(result.RequestId):
                    _problems.Add($"{result.Status} names request {result.RequestId}, which was never accepted: {result}");
                    break;
            }
        }
    }

    /// <summary>Anything that went wrong while booking.</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_gate)
            {
                return [.. _problems];
            }
        }
    }

    /// <summary>Accepted requests that did not end exactly once, each with the endings it got.</summary>
    public IReadOnlyList<string> RequestsNotEndedOnce()
    {
        lock (_gate)
        {
            var wrong = new List<string>();
            foreach (long id in _accepted.Order())
            {
                var endings = _endings.GetValueOrDefault(id) ?? [];
                if (endings.Count != 1)
                {
                    wrong.Add($"request {id}: {endings.Count} endings [{string.Join(", ", endings)}]");
                }
            }

            wrong.AddRange(_endings.Keys.Where(id => !_accepted.Contains(id)).Order().Select(id => $"request {id} ended but was never accepted"));
            return wrong;
        }
    }

    /// <summary>The terminal outcomes booked for a request (exactly one, once it ended).</summary>
    public IReadOnlyList<UnplugOutcome> EndingsOf(long requestId)
    {
        lock (_gate)
        {
            return [.. _endings.GetValueOrDefault(requestId) ?? []];
        }
    }

    /// <summary>How many requests were accepted.</summary>
    public int AcceptedCount
    {
        get
        {
            lock (_gate)
            {
                return _accepted.Count;
            }
        }
    }

    /// <summary>One line for the test output: requests by answer, notifications by outcome.</summary>
    public override string ToString()
    {
        lock (_gate)
        {
            return $"requests: {Describe(_results)}; notifications: {Describe(_notifications)}";
        }
    }

    private static string Describe<TKey>(Dictionary<TKey, int> counts)
        where TKey : struct, Enum =>
        string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}"));

    private void OnNotification(object? sender, UnplugEventArgs e)
    {
        lock (_gate)
        {
            _notifications[e.Outcome] = _notifications.GetValueOrDefault(e.Outcome) + 1;
            if (!e.IsTerminal)
            {
                // A KeepPending timeout: the outcome is still unknown, the request goes on.
                return;
            }

            if (e.RequestId == 0)
            {
                // A device that left with its host bridge while no unplug of it was pending: no request to end.
                if (e.Outcome != UnplugOutcome.RemovedWithOwner)
                {
                    _problems.Add($"a terminal notification without a request id: {e}");
                }

                return;
            }

            if (!_endings.TryGetValue(e.RequestId, out var endings))
            {
                _endings[e.RequestId] = endings = [];
            }

            endings.Add(e.Outcome);
        }
    }
}
