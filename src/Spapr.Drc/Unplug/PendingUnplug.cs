using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Spapr.Drc;

/// <summary>
/// A pending unplug request, as <see cref="DrcRegistry.GetPendingUnplugs"/> lists it: a read model taken under the
/// registry's lock, immutable afterwards. <see cref="ToString"/> is one sentence that says why it is still pending.
/// </summary>
public sealed class PendingUnplug
{
    internal PendingUnplug(long requestId, AttachedDevice device, ImmutableArray<DrcIndex> waiting, DateTimeOffset requestedAt, int retryCount, TimeSpan timeout, bool timedOut, DateTimeOffset? deadline, TimeSpan timeRemaining, DateTimeOffset now)
    {
        RequestId = requestId;
        AttachedDevice = device;
        Waiting = waiting;
        RequestedAt = requestedAt;
        RetryCount = retryCount;
        Timeout = timeout;
        TimedOut = timedOut;
        Deadline = deadline;
        TimeRemaining = timeRemaining;
        TakenAt = now;
    }

    /// <summary>The registry-unique request id.</summary>
    public long RequestId { get; }

    /// <summary>The emulator's device object.</summary>
    public object Device => AttachedDevice.Device;

    /// <summary>The device's first connector, which the request is reported under.</summary>
    public DrcIndex Index => AttachedDevice.Index;

    /// <summary>The device, with every connector it owns.</summary>
    public AttachedDevice AttachedDevice { get; }

    /// <summary>The connectors the guest has not released yet, in index order; the request completes when the last one is.</summary>
    public ImmutableArray<DrcIndex> Waiting { get; }

    /// <summary>When the host made the request (virtual time).</summary>
    public DateTimeOffset RequestedAt { get; }

    /// <summary>How often the host sent the request again.</summary>
    public int RetryCount { get; }

    /// <summary>The request's timeout; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for none.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Whether the timeout already fired (KeepPending): the next request retries.</summary>
    public bool TimedOut { get; }

    /// <summary>When the running timer fires; <see langword="null"/> when none runs (no timeout, or it already fired).</summary>
    public DateTimeOffset? Deadline { get; }

    /// <summary>Time left when this was taken: <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> without a timeout, <see cref="TimeSpan.Zero"/> once it timed out.</summary>
    public TimeSpan TimeRemaining { get; }

    /// <summary>When this read model was taken (virtual time).</summary>
    public DateTimeOffset TakenAt { get; }

    /// <inheritdoc />
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Device).Append(": request ").Append(RequestId.ToString(CultureInfo.InvariantCulture))
            .Append(" waits for ").Append(DescribeRuns(Waiting));
        if (TimedOut)
        {
            text.Append("; timed out, still pending");
        }
        else if (TimeRemaining == System.Threading.Timeout.InfiniteTimeSpan)
        {
            text.Append("; no timeout");
        }
        else
        {
            text.Append("; ").Append(Durations.Format(TimeRemaining)).Append(" left");
        }

        return text.ToString();
    }

    /// <summary>"LMB 8-9, 11" or "CPU 1": connector names with runs of consecutive ids joined.</summary>
    internal static string DescribeRuns(ImmutableArray<DrcIndex> indexes)
    {
        if (indexes.IsDefaultOrEmpty)
        {
            return "nothing";
        }

        var text = new StringBuilder();
        int i = 0;
        while (i < indexes.Length)
        {
            int j = i;
            while (j + 1 < indexes.Length && indexes[j + 1].Value == indexes[j].Value + 1)
            {
                j++;
            }

            text.Append(i == 0 ? DrcKind.NameOf(indexes[i]) : indexes[i].Id.ToString(CultureInfo.InvariantCulture));
            if (j > i)
            {
                text.Append('-').Append(indexes[j].Id.ToString(CultureInfo.InvariantCulture));
            }

            if (j + 1 < indexes.Length)
            {
                text.Append(", ");
            }

            i = j + 1;
        }

        return text.ToString();
    }
}
