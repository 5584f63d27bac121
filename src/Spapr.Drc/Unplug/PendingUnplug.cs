using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Spapr.Drc;

/// <summary>
/// A pending unplug request, as <see cref="DrcRegistry.GetPendingUnplugs"/> lists it: a read model taken under the
/// registry's lock, immutable afterwards, that tells why the unplug is still pending. <see cref="ToString"/> is one
/// sentence, e.g. "dimm0: request 7; Remove taken by the guest at +3.2 s; LMB 8-9 released, LMB 10-11 held; last guest
/// call isolate LMB 10 -> -1 at +3.4 s; 12.6 s left" (times after the request; names are written out for each list: "LMB 9 released, LMB 8, 10-11 held").
/// </summary>
public sealed class PendingUnplug
{
    internal PendingUnplug(long requestId, AttachedDevice device, ImmutableArray<PendingConnector> connectors, DateTimeOffset requestedAt, int retryCount, TimeSpan timeout, bool timedOut, DateTimeOffset? deadline, TimeSpan timeRemaining, bool removeEventQueued, DateTimeOffset? removeEventTakenAt, DateTimeOffset observedAt)
    {
        RequestId = requestId;
        AttachedDevice = device;
        Connectors = connectors;
        RequestedAt = requestedAt;
        RetryCount = retryCount;
        Timeout = timeout;
        TimedOut = timedOut;
        Deadline = deadline;
        TimeRemaining = timeRemaining;
        IsRemoveEventQueued = removeEventQueued;
        RemoveEventTakenAt = removeEventTakenAt;
        ObservedAt = observedAt;
        var waiting = ImmutableArray.CreateBuilder<DrcIndex>(connectors.Length);
        foreach (var connector in connectors)
        {
            if (connector.IsHeld)
            {
                waiting.Add(connector.Index);
            }
        }

        Waiting = waiting.DrainToImmutable();
    }

    /// <summary>The registry-unique request id.</summary>
    public long RequestId { get; }

    /// <summary>The emulator's device object.</summary>
    public object Device => AttachedDevice.Device;

    /// <summary>The device's first connector, which the request is reported under.</summary>
    public DrcIndex Index => AttachedDevice.Index;

    /// <summary>The device, with every connector it owns.</summary>
    public AttachedDevice AttachedDevice { get; }

    /// <summary>Every connector of the device, in index order: held or released, and the guest's last call on each.</summary>
    public ImmutableArray<PendingConnector> Connectors { get; }

    /// <summary>The connectors the guest has not released yet, in index order; the request completes when the last one is.</summary>
    public ImmutableArray<DrcIndex> Waiting { get; }

    /// <summary>When the host made the request (virtual time).</summary>
    public DateTimeOffset RequestedAt { get; }

    /// <summary>How often the host sent the request again (each retry re-queued the Remove events).</summary>
    public int RetryCount { get; }

    /// <summary>The request's timeout; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for none.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Whether the timeout already fired (KeepPending): the next request retries.</summary>
    public bool TimedOut { get; }

    /// <summary>When the running timer fires; <see langword="null"/> when none runs (no timeout, or it already fired).</summary>
    public DateTimeOffset? Deadline { get; }

    /// <summary>Time left when this was observed: <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> without a timeout, <see cref="TimeSpan.Zero"/> once it timed out.</summary>
    public TimeSpan TimeRemaining { get; }

    /// <summary>Whether a Remove event for the device is still queued for the guest (check-exception has not taken it).</summary>
    public bool IsRemoveEventQueued { get; }

    /// <summary>When check-exception last handed the guest a Remove event of this request; <see langword="null"/> if never.</summary>
    public DateTimeOffset? RemoveEventTakenAt { get; }

    /// <summary>When this read model was taken (virtual time).</summary>
    public DateTimeOffset ObservedAt { get; }

    /// <summary>The one-sentence diagnosis; see the type's summary.</summary>
    /// <returns>The sentence.</returns>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Device).Append(": request ").Append(RequestId.ToString(CultureInfo.InvariantCulture));
        if (RetryCount > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" (sent {RetryCount + 1} times)");
        }

        text.Append("; ").Append(DescribeRemoveEvent());
        text.Append("; ").Append(DescribeConnectors());
        if (LastCall() is { } call)
        {
            text.Append("; last guest call ").Append(call).Append(" at ").Append(After(call.At));
        }

        text.Append("; ").Append(TimedOut ? "timed out, still pending"
            : TimeRemaining == System.Threading.Timeout.InfiniteTimeSpan ? "no timeout"
            : Durations.Short(TimeRemaining) + " left");
        return text.ToString();
    }

    /// <summary>"LMB 8-9, 11" or "CPU 1": connector names with runs of consecutive ids joined.</summary>
    internal static string DescribeRuns(IReadOnlyList<DrcIndex> indexes)
    {
        if (indexes.Count == 0)
        {
            return "nothing";
        }

        var text = new StringBuilder();
        int i = 0;
        while (i < indexes.Count)
        {
            int j = i;
            while (j + 1 < indexes.Count && indexes[j + 1].Value == indexes[j].Value + 1)
            {
                j++;
            }

            text.Append(i == 0 ? DrcKind.NameOf(indexes[i]) : indexes[i].Id.ToString(CultureInfo.InvariantCulture));
            if (j > i)
            {
                text.Append('-').Append(indexes[j].Id.ToString(CultureInfo.InvariantCulture));
            }

            if (j + 1 < indexes.Count)
            {
                text.Append(", ");
            }

            i = j + 1;
        }

        return text.ToString();
    }

    private string DescribeRemoveEvent()
    {
        if (RemoveEventTakenAt is { } taken)
        {
            return IsRemoveEventQueued
                ? $"Remove queued again, last taken by the guest at {After(taken)}"
                : $"Remove taken by the guest at {After(taken)}";
        }

        return IsRemoveEventQueued ? "Remove queued, not taken by the guest yet" : "no Remove event queued";
    }

    private string DescribeConnectors()
    {
        var released = new List<DrcIndex>();
        foreach (var connector in Connectors)
        {
            if (!connector.IsHeld)
            {
                released.Add(connector.Index);
            }
        }

        return released.Count == 0
            ? DescribeRuns(Waiting) + " held"
            : $"{DescribeRuns(released)} released, {DescribeRuns(Waiting)} held";
    }

    private GuestCall? LastCall()
    {
        GuestCall? last = null;
        foreach (var connector in Connectors)
        {
            if (connector.LastGuestCall is { } call && (last is null || call.At >= last.Value.At))
            {
                last = call;
            }
        }

        return last;
    }

    private string After(DateTimeOffset at) => "+" + Durations.Short(at < RequestedAt ? TimeSpan.Zero : at - RequestedAt);
}
