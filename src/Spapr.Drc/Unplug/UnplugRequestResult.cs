using System.Globalization;

namespace Spapr.Drc;

/// <summary>The result of <see cref="DrcRegistry.RequestUnplug(DrcIndex, TimeSpan?)"/>: a value, never an exception, for anything a user can ask.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Index">The connector the request named.</param>
/// <param name="TimeRemaining">Time until the unplug times out while one is pending; <see cref="Timeout.InfiniteTimeSpan"/> when it never does; <see langword="null"/> when nothing is pending.</param>
/// <param name="Message">A sentence for people, e.g. "CPU 1 unplug is still pending, 10 seconds timeout remaining".</param>
public readonly record struct UnplugRequestResult(UnplugRequestStatus Status, DrcIndex Index, TimeSpan? TimeRemaining, string Message)
{
    // The registry's accepted requests leave the sentence to be written on first read: thousands of LMB requests
    // at once would otherwise format a string each that nobody reads (a third of a request's allocations).
    private static readonly string Deferred = new('\0', 1);

    private readonly string? _message = ReferenceEquals(Message, Deferred) ? null : Message ?? throw new ArgumentNullException(nameof(Message));

    /// <summary>A result whose message follows from the status, the index and the time remaining.</summary>
    internal UnplugRequestResult(UnplugRequestStatus status, DrcIndex index, TimeSpan? timeRemaining)
        : this(status, index, timeRemaining, Deferred)
    {
    }

    /// <summary>A sentence for people, e.g. "CPU 1 unplug is still pending, 10 seconds timeout remaining".</summary>
    public string Message
    {
        get => _message ?? Describe(Status, Index, TimeRemaining);
        init => _message = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Whether the request was accepted (requested, retried or completed at once).</summary>
    public bool Accepted => Status is UnplugRequestStatus.Requested or UnplugRequestStatus.Retried or UnplugRequestStatus.CompletedImmediately;

    /// <inheritdoc />
    public bool Equals(UnplugRequestResult other) =>
        Status == other.Status && Index == other.Index && TimeRemaining == other.TimeRemaining && string.Equals(Message, other.Message, StringComparison.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Status, Index, TimeRemaining, Message);

    /// <inheritdoc />
    public override string ToString() => Message;

    private static string Describe(UnplugRequestStatus status, DrcIndex index, TimeSpan? timeRemaining)
    {
        // A default value (index 0) names no connector type; nothing the registry returns gets "connector".
        string name = index.Type is DrcType.Cpu or DrcType.Phb or DrcType.Pci or DrcType.Lmb or DrcType.Pmem ? DrcTypeInfo.NameOf(index) : "connector";
        return status switch
        {
            UnplugRequestStatus.CompletedImmediately => $"{name} ({index}) was released at once: the guest never took the device.",
            UnplugRequestStatus.Retried => $"{name} ({index}) unplug request sent to the guest again.",
            UnplugRequestStatus.Requested when timeRemaining == Timeout.InfiniteTimeSpan => $"{name} ({index}) unplug requested; waiting for the guest (no timeout).",
            UnplugRequestStatus.Requested when timeRemaining is { } left => string.Create(CultureInfo.InvariantCulture, $"{name} ({index}) unplug requested; waiting for the guest, timeout {left.TotalSeconds:0.###} seconds."),

            // Only a default value, or a 'with' that changed the status, gets here.
            _ => $"{name} ({index}): {status}.",
        };
    }
}
