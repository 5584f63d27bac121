namespace Spapr.Drc;

public sealed partial class DrcRtas
{
    // check-exception may add a seventh cell (the high word of the additional information).
    private const int CheckExceptionArgCount = 6;
    private const int EventScanArgCount = 4;

    /// <summary>
    /// check-exception in RTAS cell form: 6 or 7 argument cells (vector offset, additional information, event mask,
    /// critical, buffer address, buffer length, and optionally the high word of the additional information) and 1 return
    /// cell. The emulator maps the guest buffer at <c>args[4]</c> to <paramref name="buffer"/>; at most
    /// <c>args[5]</c> bytes of it are used. Wrong counts give -3 and dequeue nothing; otherwise as
    /// <see cref="CheckException(uint, Span{byte}, out HotplugEvent?)"/> with the mask in <c>args[2]</c>.
    /// </summary>
    /// <param name="args">The argument cells.</param>
    /// <param name="rets">The return cells: the status goes in <c>rets[0]</c>.</param>
    /// <param name="buffer">The guest memory at the buffer address the arguments name.</param>
    /// <returns>
    /// The classes that still hold events after the call: PAPR wants the event interrupt left asserted while events
    /// remain, so the emulator re-raises the interrupt of each of these classes.
    /// </returns>
    public RtasEventClasses CheckException(ReadOnlySpan<uint> args, Span<uint> rets, Span<byte> buffer)
    {
        if (args.Length is < CheckExceptionArgCount or > CheckExceptionArgCount + 1 || rets.Length != 1)
        {
            if (!rets.IsEmpty)
            {
                rets[0] = unchecked((uint)RtasStatus.ParameterError);
            }

            return RtasEventClasses.None;
        }

        // The guest's length bounds what it let us write, whatever the emulator mapped.
        uint length = args[5];
        if (length < (uint)buffer.Length)
        {
            buffer = buffer[..(int)length];
        }

        lock (_registry.Sync)
        {
            rets[0] = unchecked((uint)CheckException(args[2], buffer, out _));
            return _registry.PendingEventClasses;
        }
    }

    /// <summary>
    /// event-scan in RTAS cell form: 4 argument cells (event mask, critical, buffer address, buffer length) and 1 return
    /// cell. Like QEMU, event-scan never hands out a hotplug event (those travel through check-exception): the status is
    /// always 1 (NoErrorsFound), or -3 for wrong counts.
    /// </summary>
    /// <param name="args">The argument cells.</param>
    /// <param name="rets">The return cells: the status goes in <c>rets[0]</c>.</param>
    /// <returns>
    /// The classes that hold events (none for wrong counts): the emulator raises the interrupt of each, so the guest
    /// calls check-exception for them.
    /// </returns>
    public RtasEventClasses EventScan(ReadOnlySpan<uint> args, Span<uint> rets)
    {
        if (args.Length != EventScanArgCount || rets.Length != 1)
        {
            if (!rets.IsEmpty)
            {
                rets[0] = unchecked((uint)RtasStatus.ParameterError);
            }

            return RtasEventClasses.None;
        }

        rets[0] = (uint)RtasStatus.NoErrorsFound;
        return _registry.PendingEventClasses;
    }
}
