namespace Spapr.Drc;

/// <summary>
/// The result of <see cref="DrcRegistry.RequestUnplug(DrcIndex, TimeSpan?)"/>: a value, never an exception, for anything a
/// user can ask. Immutable; made only by the registry.
/// </summary>
public readonly struct UnplugRequestResult : IEquatable<UnplugRequestResult>
{
    private readonly string? _message;

    /// <summary>A result whose message follows from the status, the index and the time remaining (written on first read).</summary>
    internal UnplugRequestResult(UnplugRequestStatus status, DrcIndex index, long requestId, TimeSpan? timeRemaining, string? message = null)
    {
        Status = status;
        Index = index;
        RequestId = requestId;
        TimeRemaining = timeRemaining;
        _message = message;
    }

    /// <summary>What happened.</summary>
    public UnplugRequestStatus Status { get; }

    /// <summary>The connector the request named.</summary>
    public DrcIndex Index { get; }

    /// <summary>
    /// The registry-unique id of the device's request: the new one, the one retried, or the one already pending. Every
    /// notification about it carries the same id (<see cref="UnplugEventArgs.RequestId"/>). 0 when there is none
    /// (<see cref="UnplugRequestStatus.NoDevice"/>, <see cref="UnplugRequestStatus.NotAllowed"/>).
    /// </summary>
    public long RequestId { get; }

    /// <summary>
    /// Time until the unplug times out while one is pending; <see cref="Timeout.InfiniteTimeSpan"/> when it never does;
    /// <see langword="null"/> when nothing is pending.
    /// </summary>
    public TimeSpan? TimeRemaining { get; }

    /// <summary>A sentence for people, e.g. "CPU 1 (0x10000001) unplug is still pending, 10 seconds timeout remaining."</summary>
    // Accepted requests leave the sentence to be written on first read: thousands of LMB requests at once would
    // otherwise format a string each that nobody reads.
    public string Message => _message ?? Describe(Status, Index, TimeRemaining);

    /// <summary>Whether the request was accepted (requested, retried or completed at once).</summary>
    public bool Accepted => Status is UnplugRequestStatus.Requested or UnplugRequestStatus.Retried or UnplugRequestStatus.CompletedImmediately;

    /// <summary>Compares two results.</summary>
    /// <param name="left">The left result.</param>
    /// <param name="right">The right result.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(UnplugRequestResult left, UnplugRequestResult right) => left.Equals(right);

    /// <summary>Compares two results.</summary>
    /// <param name="left">The left result.</param>
    /// <param name="right">The right result.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(UnplugRequestResult left, UnplugRequestResult right) => !left.Equals(right);

    /// <inheritdoc />
    public bool Equals(UnplugRequestResult other) =>
        Status == other.Status && Index == other.Index && RequestId == other.RequestId && TimeRemaining == other.TimeRemaining
        && string.Equals(Message, other.Message, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is UnplugRequestResult other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Status, Index, RequestId, TimeRemaining);

    /// <inheritdoc />
    public override string ToString() => Message;

    private static string Describe(UnplugRequestStatus status, DrcIndex index, TimeSpan? timeRemaining)
    {
        string name = DrcKind.NameOf(index);
        return status switch
        {
            UnplugRequestStatus.CompletedImmediately => $"{name} ({index}) was released at once: the guest never took the device.",
            UnplugRequestStatus.Retried => $"{name} ({index}) unplug request sent to the guest again.",
            UnplugRequestStatus.Requested when timeRemaining is { } t && t != Timeout.InfiniteTimeSpan => $"{name} ({index}) unplug requested; waiting for the guest, timeout {Durations.Format(t)}.",
            UnplugRequestStatus.Requested when timeRemaining is not null => $"{name} ({index}) unplug requested; waiting for the guest (no timeout).",

            // Refusals are made with their sentence; only default(UnplugRequestResult) gets here.
            _ => $"{name} ({index}): {status}.",
        };
    }
}
