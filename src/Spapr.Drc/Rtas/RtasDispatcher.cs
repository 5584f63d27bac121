using System.Buffers.Binary;

namespace Spapr.Drc;

/// <summary>
/// Serves the guest's RTAS calls for connectors straight from guest memory: what an emulator's h_rtas hypercall
/// handler calls with the address the guest passed in r3. It reads the PAPR argument buffer (big-endian 32-bit cells:
/// token, nargs, nret, args[nargs], rets[nret]), runs set-indicator, get-sensor-state, ibm,configure-connector,
/// check-exception or event-scan on the registry's <see cref="DrcRtas"/>, and writes the return cells back.
/// </summary>
/// <remarks>
/// <para>
/// Statuses are QEMU 7.2's: wrong nargs or nret give -3 (and no state change), an unknown token gives -3 in rets[0]
/// and H_PARAMETER for the hypercall. Like QEMU, the top four bits of the argument buffer's and the work area's
/// addresses are ignored (they are real-mode addresses), and bytes of the configure-connector work area that lie
/// outside guest memory read as zero and drop what is written to them (the work area is clipped where guest memory
/// ends).
/// </para>
/// <para>
/// Deliberately not like QEMU, so that a guest's mistake costs neither memory nor an event: the dispatcher never writes
/// a return cell the guest did not declare (QEMU writes rets[0], and for get-sensor-state rets[1], even when nret is
/// smaller); an argument buffer whose header, argument cells or return cells are not all in guest memory runs nothing
/// and gets H_PARAMETER (QEMU reads zeros for missing arguments and runs the call even when its status cannot be
/// written); and a check-exception buffer that is shorter than the 116-byte log or not all in guest memory gets -3
/// and the event stays queued (QEMU writes the log regardless and the event is lost). The h_rtas return value is not
/// something the guest's RTAS code reads, so it may differ from QEMU's where nothing ran.
/// </para>
/// <para>
/// Stateless and thread-safe: vCPU threads may dispatch concurrently (the registry serializes the calls). Every call
/// allocates nothing; the guest-memory accesses are those of the call, plus reads that check a buffer is there before
/// anything is taken from the registry (the return cells, the check-exception buffer).
/// </para>
/// </remarks>
public sealed class RtasDispatcher
{
    // QEMU's ppc64_phys_to_real: the guest may pass addresses with the top nibble set.
    private const ulong RealAddressMask = 0x0FFF_FFFF_FFFF_FFFF;
    private const int HeaderSize = 12;
    private const int CellSize = 4;
    private const int MaxArgs = 7;
    private const int MaxRets = 2;

    private readonly DrcRtas _rtas;
    private readonly RegistryCore _core;
    private readonly IGuestMemory _memory;

    /// <summary>A dispatcher with QEMU 7.2's tokens (<see cref="RtasTokens.Qemu"/>).</summary>
    /// <param name="registry">The machine's connectors.</param>
    /// <param name="memory">The guest's physical memory.</param>
    public RtasDispatcher(DrcRegistry registry, IGuestMemory memory)
        : this(registry, memory, RtasTokens.Qemu)
    {
    }

    /// <summary>A dispatcher with the emulator's own tokens.</summary>
    /// <param name="registry">The machine's connectors.</param>
    /// <param name="memory">The guest's physical memory.</param>
    /// <param name="tokens">The tokens the emulator publishes in <c>/rtas</c>.</param>
    public RtasDispatcher(DrcRegistry registry, IGuestMemory memory, RtasTokens tokens)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(tokens);
        _rtas = registry.Rtas;
        _core = registry.Core;
        _memory = memory;
        Tokens = tokens;
    }

    /// <summary>The tokens this dispatcher answers to; publish <see cref="RtasTokens.GetDeviceTreeProperties"/> in <c>/rtas</c>.</summary>
    public RtasTokens Tokens { get; }

    /// <summary>
    /// Serves the RTAS call whose argument buffer is at <paramref name="argsAddress"/>; the token is the buffer's first
    /// cell, as h_rtas reads it.
    /// </summary>
    /// <param name="argsAddress">The guest physical address of the argument buffer (r3 of the h_rtas hypercall).</param>
    /// <returns>What happened: return <see cref="RtasDispatchResult.HcallStatus"/> from the hypercall.</returns>
    public RtasDispatchResult Dispatch(ulong argsAddress) => Run(argsAddress, hasToken: false, token: 0);

    /// <summary>
    /// Serves an RTAS call whose token the emulator already has (e.g. from its own firmware trap): as
    /// <see cref="Dispatch(ulong)"/>, but <paramref name="token"/> is used instead of the buffer's first cell.
    /// </summary>
    /// <param name="token">The call's token.</param>
    /// <param name="argsAddress">The guest physical address of the argument buffer (whose first cell is ignored).</param>
    /// <returns>What happened.</returns>
    public RtasDispatchResult Dispatch(uint token, ulong argsAddress) => Run(argsAddress, hasToken: true, token);

    private static ulong Real(ulong address) => address & RealAddressMask;

    private static int RetsOf(RtasCall call) => call == RtasCall.GetSensorState ? 2 : 1;

    private static bool ArgsFit(RtasCall call, uint nargs) => call switch
    {
        RtasCall.SetIndicator => nargs == 3,
        RtasCall.GetSensorState => nargs == 2,
        RtasCall.ConfigureConnector => nargs == 2,

        // The seventh cell is the high word of the additional information; QEMU accepts and ignores it.
        RtasCall.CheckException => nargs is 6 or 7,
        _ => nargs == 4,
    };

    private RtasDispatchResult Run(ulong argsAddress, bool hasToken, uint token)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        if (!_memory.TryRead(Real(argsAddress), header))
        {
            return new(RtasDispatchOutcome.BufferUnreadable, RtasCall.None, (int)RtasStatus.ParameterError, false, RtasEventClasses.None);
        }

        if (!hasToken)
        {
            token = BinaryPrimitives.ReadUInt32BigEndian(header);
        }

        uint nargs = BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
        uint nret = BinaryPrimitives.ReadUInt32BigEndian(header[8..]);
        ulong argsAt = argsAddress + HeaderSize;
        ulong retsAt = argsAt + ((ulong)nargs * CellSize);
        Span<uint> rets = stackalloc uint[MaxRets];

        var call = Tokens.CallOf(token);
        if (call == RtasCall.None)
        {
            rets[0] = unchecked((uint)RtasStatus.ParameterError);
            bool unknownWritten = WriteCells(retsAt, rets[..(int)Math.Min(nret, 1u)]);
            return new(RtasDispatchOutcome.UnknownToken, RtasCall.None, (int)RtasStatus.ParameterError, unknownWritten, RtasEventClasses.None);
        }

        int retCount = RetsOf(call);
        if (!ArgsFit(call, nargs) || nret != (uint)retCount)
        {
            // Refused before any argument is read: nargs may be anything, and the guest sees only the status (and
            // get-sensor-state's zero value), as QEMU writes them, within the cells it declared.
            rets[0] = unchecked((uint)(_core.Disposed ? RtasStatus.HardwareError : RtasStatus.ParameterError));
            rets[1] = 0;
            bool refusalWritten = WriteCells(retsAt, rets[..(int)Math.Min(nret, (uint)retCount)]);
            return new(RtasDispatchOutcome.Served, call, (int)rets[0], refusalWritten, RtasEventClasses.None);
        }

        // The argument and return cells, read in one access: a buffer that runs out of guest memory runs nothing.
        Span<byte> cellBytes = stackalloc byte[(MaxArgs + MaxRets) * CellSize];
        cellBytes = cellBytes[..(((int)nargs + retCount) * CellSize)];
        if (!_memory.TryRead(Real(argsAt), cellBytes))
        {
            return new(RtasDispatchOutcome.BufferUnreadable, call, (int)RtasStatus.ParameterError, false, RtasEventClasses.None);
        }

        Span<uint> args = stackalloc uint[MaxArgs];
        args = args[..(int)nargs];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = BinaryPrimitives.ReadUInt32BigEndian(cellBytes[(i * CellSize)..]);
        }

        rets = rets[..retCount];
        var pending = RtasEventClasses.None;
        switch (call)
        {
            case RtasCall.SetIndicator:
                _rtas.SetIndicator(args, rets);
                break;
            case RtasCall.GetSensorState:
                _rtas.GetSensorState(args, rets);
                break;
            case RtasCall.ConfigureConnector:
                rets[0] = unchecked((uint)ConfigureConnector(args));
                break;
            case RtasCall.CheckException:
                pending = CheckException(args, rets);
                break;
            default:
                pending = _rtas.EventScan(args, rets);
                break;
        }

        bool written = WriteCells(retsAt, rets);
        return new(RtasDispatchOutcome.Served, call, unchecked((int)rets[0]), written, pending);
    }

    private ConfigureConnectorStatus ConfigureConnector(ReadOnlySpan<uint> args)
    {
        // Like QEMU: a 64-bit work area address, low cell first (Linux passes 0 as the high cell).
        ulong workArea = Real(((ulong)args[1] << 32) | args[0]);

        // Zeroed, so that what lies outside guest memory reads as zero, as unassigned memory does in QEMU.
        Span<byte> area = stackalloc byte[DrcRtas.WorkAreaSize];
        int inMemory = ReadPrefix(workArea, area);
        var status = _rtas.ConfigureConnector(area);
        if (status is ConfigureConnectorStatus.NextChild or ConfigureConnectorStatus.NextProperty)
        {
            // Write back what the call wrote (from wa[2] to the end of the name or value), clipped where guest
            // memory ends; the guest's index in wa[0] and anything past the data stay untouched.
            const int FirstWritten = 8;
            int end = Math.Min(WrittenEnd(area, status), inMemory);
            if (end > FirstWritten)
            {
                _memory.TryWrite(workArea + FirstWritten, area[FirstWritten..end]);
            }
        }

        return status;
    }

    /// <summary>Where the data configure-connector wrote ends: after the node name's NUL, or after the property value.</summary>
    private static int WrittenEnd(ReadOnlySpan<byte> area, ConfigureConnectorStatus status)
    {
        if (status == ConfigureConnectorStatus.NextChild)
        {
            int nul = area[DrcRtas.WorkAreaDataOffset..].IndexOf((byte)0);
            return nul < 0 ? area.Length : DrcRtas.WorkAreaDataOffset + nul + 1;
        }

        ulong valueOffset = BinaryPrimitives.ReadUInt32BigEndian(area[16..]);
        ulong valueLength = BinaryPrimitives.ReadUInt32BigEndian(area[12..]);
        return (int)Math.Min((ulong)area.Length, valueOffset + valueLength);
    }

    /// <summary>Reads the longest prefix of <paramref name="area"/> that is in guest memory; the rest stays zero.</summary>
    /// <returns>The length of that prefix.</returns>
    private int ReadPrefix(ulong address, Span<byte> area)
    {
        if (_memory.TryRead(address, area))
        {
            return area.Length;
        }

        // Guest memory ends inside the work area: find where, by bisection over prefix reads (12 at most).
        int readable = 0, unreadable = area.Length;
        while (unreadable - readable > 1)
        {
            int middle = readable + ((unreadable - readable) / 2);
            if (_memory.TryRead(address, area[..middle]))
            {
                readable = middle;
            }
            else
            {
                unreadable = middle;
            }
        }

        // A failed read must leave the destination alone, but a careless implementation might not.
        area[readable..].Clear();
        return readable;
    }

    private RtasEventClasses CheckException(ReadOnlySpan<uint> args, Span<uint> rets)
    {
        ulong buffer = args[4];
        Span<byte> log = stackalloc byte[DrcRtas.EventLogSize];

        // The event is taken only when its log can be delivered: a buffer shorter than the log or not all in guest
        // memory counts as too small (an empty span), so the library answers -3 and keeps the event queued.
        bool deliverable = args[5] >= (uint)DrcRtas.EventLogSize && _memory.TryRead(buffer, log);
        var pending = _rtas.CheckException(args, rets, deliverable ? log : Span<byte>.Empty);
        if (rets[0] == (uint)RtasStatus.Success && !_memory.TryWrite(buffer, log))
        {
            // Readable but not writable: the event is gone, so at least do not claim it was delivered.
            rets[0] = unchecked((uint)RtasStatus.HardwareError);
        }

        return pending;
    }

    private bool WriteCells(ulong address, ReadOnlySpan<uint> cells)
    {
        if (cells.IsEmpty)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[MaxRets * CellSize];
        bytes = bytes[..(cells.Length * CellSize)];
        for (int i = 0; i < cells.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes[(i * CellSize)..], cells[i]);
        }

        return _memory.TryWrite(Real(address), bytes);
    }
}
