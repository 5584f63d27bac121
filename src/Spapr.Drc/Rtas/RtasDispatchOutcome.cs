namespace Spapr.Drc;

/// <summary>What <see cref="RtasDispatcher.Dispatch(ulong)"/> could do with the guest's argument buffer.</summary>
public enum RtasDispatchOutcome
{
    /// <summary>
    /// The token named a call the dispatcher serves and the call ran (a refusal such as wrong argument counts included):
    /// its status is in <see cref="RtasDispatchResult.Status"/>. The h_rtas hypercall returns H_SUCCESS (0).
    /// </summary>
    Served = 0,

    /// <summary>
    /// The token names no call the dispatcher serves. Like QEMU, -3 goes into the first return cell (when the guest
    /// declared one) and the h_rtas hypercall returns H_PARAMETER (-4); the emulator may serve the token itself instead.
    /// </summary>
    UnknownToken = 1,

    /// <summary>
    /// The argument buffer (its three header cells, or the argument and return cells of a call with the right counts)
    /// is not all in guest memory: nothing ran, nothing was written, and the h_rtas hypercall returns H_PARAMETER (-4).
    /// </summary>
    BufferUnreadable = 2,
}
