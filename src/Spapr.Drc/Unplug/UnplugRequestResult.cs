namespace Spapr.Drc;

/// <summary>The result of <see cref="DrcRegistry.RequestUnplug(DrcIndex, TimeSpan?)"/>: a value, never an exception, for anything a user can ask.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Index">The connector the request named.</param>
/// <param name="TimeRemaining">Time until the unplug times out while one is pending; <see cref="Timeout.InfiniteTimeSpan"/> when it never does; <see langword="null"/> when nothing is pending.</param>
/// <param name="Message">A sentence for people, e.g. "CPU 1 unplug is still pending, 10 seconds timeout remaining".</param>
public readonly record struct UnplugRequestResult(UnplugRequestStatus Status, DrcIndex Index, TimeSpan? TimeRemaining, string Message)
{
    /// <summary>Whether the request was accepted (requested, retried or completed at once).</summary>
    public bool Accepted => Status is UnplugRequestStatus.Requested or UnplugRequestStatus.Retried or UnplugRequestStatus.CompletedImmediately;

    /// <inheritdoc />
    public override string ToString() => Message;
}
