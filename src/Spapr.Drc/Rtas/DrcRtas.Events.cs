namespace Spapr.Drc;

public sealed partial class DrcRtas
{
    // check-exception may add a seventh cell (the high word of the additional information).
    private const int CheckExceptionArgCount = 6;
    private const int EventScanArgCount = 4;

    /// <summary>
    /// check-exception: dequeues the first event (FIFO) whose class is in <paramref name="eventMask"/> and writes its
    /// 116-byte RTAS error log into <paramref name="buffer"/>.
    /// </summary>
    /// <param name="eventMask">Event classes to take (<see cref="RtasEventClasses"/> bits, as the guest passed them).</param>
    /// <param name="buffer">Where the log goes; at least <see cref="EventLogSize"/> bytes.</param>
    /// <param name="dequeued">The event written, or <see langword="null"/>.</param>
    /// <returns>0 with an event; 1 (NoErrorsFound) when none is queued in those classes; -3 when the buffer is too small (nothing dequeued).</returns>
    public RtasStatus CheckException(uint eventMask, Span<byte> buffer, out HotplugEvent? dequeued)
    {
        var status = TakeEvent(eventMask, buffer, out HotplugEventRecord record);
        dequeued = status == RtasStatus.Success ? record.ToEvent() : null;
        return status;
    }

    /// <summary>check-exception with a typed class mask (see <see cref="CheckException(uint, Span{byte}, out HotplugEvent?)"/>).</summary>
    /// <param name="classes">Event classes to take.</param>
    /// <param name="buffer">Where the log goes; at least <see cref="EventLogSize"/> bytes.</param>
    /// <param name="dequeued">The event written, or <see langword="null"/>.</param>
    /// <returns>The status.</returns>
    public RtasStatus CheckException(RtasEventClasses classes, Span<byte> buffer, out HotplugEvent? dequeued) =>
        CheckException((uint)classes, buffer, out dequeued);

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
                rets[0] = unchecked((uint)(_core.Disposed ? RtasStatus.HardwareError : RtasStatus.ParameterError));
            }

            return RtasEventClasses.None;
        }

        // The guest's length bounds what it let us write, whatever the emulator mapped.
        uint length = args[5];
        if (length < (uint)buffer.Length)
        {
            buffer = buffer[..(int)length];
        }

        rets[0] = unchecked((uint)TakeEvent(args[2], buffer, out HotplugEventRecord _));
        return _core.Disposed ? RtasEventClasses.None : PendingClasses();
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
        if (_core.Disposed)
        {
            if (!rets.IsEmpty)
            {
                rets[0] = unchecked((uint)RtasStatus.HardwareError);
            }

            return RtasEventClasses.None;
        }

        if (args.Length != EventScanArgCount || rets.Length != 1)
        {
            if (!rets.IsEmpty)
            {
                rets[0] = unchecked((uint)RtasStatus.ParameterError);
            }

            return RtasEventClasses.None;
        }

        rets[0] = (uint)RtasStatus.NoErrorsFound;
        return PendingClasses();
    }

    /// <summary>The allocation-free core of check-exception: the event comes back as a flat record.</summary>
    internal RtasStatus TakeEvent(uint eventMask, Span<byte> buffer, out HotplugEventRecord dequeued)
    {
        dequeued = default;
        if (_core.Disposed)
        {
            return RtasStatus.HardwareError;
        }

        try
        {
            lock (_core.Sync)
            {
                if (_core.Disposed)
                {
                    return RtasStatus.HardwareError;
                }

                _core.Activity++;

                var unplugs = _core.Unplugs;
                int position = unplugs.Events.Find(eventMask);
                if (position < 0)
                {
                    return RtasStatus.NoErrorsFound;
                }

                if (buffer.Length < EventLogSize)
                {
                    return RtasStatus.ParameterError;
                }

                dequeued = unplugs.TakeEvent(position);
                RtasEventLog.Write(dequeued, buffer);
                return RtasStatus.Success;
            }
        }
        finally
        {
            _core.Outbox.Dispatch();
        }
    }

    private RtasEventClasses PendingClasses()
    {
        lock (_core.Sync)
        {
            return _core.Unplugs.Events.PendingClasses;
        }
    }
}
