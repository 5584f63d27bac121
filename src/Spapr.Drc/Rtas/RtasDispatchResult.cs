using System.Globalization;

namespace Spapr.Drc;

/// <summary>
/// What one <see cref="RtasDispatcher.Dispatch(ulong)"/> did. Two levels: <see cref="HcallStatus"/> is for the emulator's
/// h_rtas handler (the hypercall's return value: could the buffer be served at all), <see cref="Status"/> is what the
/// call answered the guest in its first return cell. Made only by the dispatcher.
/// </summary>
public readonly struct RtasDispatchResult : IEquatable<RtasDispatchResult>
{
    /// <summary>PAPR's H_SUCCESS.</summary>
    private const long HSuccess = 0;

    /// <summary>PAPR's H_PARAMETER, what QEMU's h_rtas returns for a token it does not know.</summary>
    private const long HParameter = -4;

    internal RtasDispatchResult(RtasDispatchOutcome outcome, RtasCall call, int status, bool statusWritten, RtasEventClasses pendingEventClasses)
    {
        Outcome = outcome;
        Call = call;
        Status = status;
        StatusWritten = statusWritten;
        PendingEventClasses = pendingEventClasses;
    }

    /// <summary>Whether the call was served, its token unknown, or its buffer outside guest memory.</summary>
    public RtasDispatchOutcome Outcome { get; }

    /// <summary>The call the token named; <see cref="RtasCall.None"/> for an unknown token or an unreadable header.</summary>
    public RtasCall Call { get; }

    /// <summary>
    /// The call's status, as the signed value of the first return cell: an <see cref="RtasStatus"/> or, for
    /// ibm,configure-connector, a <see cref="ConfigureConnectorStatus"/>. -3 for wrong argument counts and unknown
    /// tokens; -3 also when the buffer was unreadable (nothing was written then).
    /// </summary>
    public int Status { get; }

    /// <summary>
    /// Whether <see cref="Status"/> reached the guest's first return cell. False when the guest declared no return
    /// cell (nret 0: the dispatcher never writes past the cells the guest declared), or the cell is not writable.
    /// </summary>
    public bool StatusWritten { get; }

    /// <summary>
    /// After check-exception and event-scan, the event classes that still hold events: PAPR wants the event interrupt
    /// left asserted while events remain, so the emulator (re-)raises the interrupt of each class here, as QEMU pulses
    /// its event sources' interrupts. <see cref="RtasEventClasses.None"/> for the other calls and for refusals.
    /// </summary>
    public RtasEventClasses PendingEventClasses { get; }

    /// <summary>
    /// What the emulator's h_rtas handler returns to the guest in r3: 0 (H_SUCCESS) when the call was
    /// <see cref="RtasDispatchOutcome.Served"/>, else -4 (H_PARAMETER). The guest's RTAS code reads the status from
    /// the return cells, not from here.
    /// </summary>
    public long HcallStatus => Outcome == RtasDispatchOutcome.Served ? HSuccess : HParameter;

    /// <summary>Compares two results.</summary>
    /// <param name="left">The left result.</param>
    /// <param name="right">The right result.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(RtasDispatchResult left, RtasDispatchResult right) => left.Equals(right);

    /// <summary>Compares two results.</summary>
    /// <param name="left">The left result.</param>
    /// <param name="right">The right result.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(RtasDispatchResult left, RtasDispatchResult right) => !left.Equals(right);

    /// <inheritdoc />
    public bool Equals(RtasDispatchResult other) =>
        Outcome == other.Outcome && Call == other.Call && Status == other.Status && StatusWritten == other.StatusWritten
        && PendingEventClasses == other.PendingEventClasses;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is RtasDispatchResult other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Outcome, Call, Status, StatusWritten, PendingEventClasses);

    /// <summary>A line for logs, e.g. "check-exception -> 0, events pending in Epow".</summary>
    /// <returns>The description.</returns>
    public override string ToString()
    {
        string what = Outcome switch
        {
            RtasDispatchOutcome.UnknownToken => "unknown token",
            RtasDispatchOutcome.BufferUnreadable => "argument buffer outside guest memory",
            _ => RtasTokens.NameOf(Call),
        };
        string written = StatusWritten ? string.Empty : " (not written)";
        string pending = PendingEventClasses == RtasEventClasses.None ? string.Empty : $", events pending in {PendingEventClasses}";
        return string.Create(CultureInfo.InvariantCulture, $"{what} -> {Status}{written}{pending}, hcall {HcallStatus}");
    }
}
