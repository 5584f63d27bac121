using System.Buffers.Binary;
using Microsoft.Extensions.Logging;

namespace Spapr.Drc;

/// <summary>
/// The guest's RTAS calls for a machine's connectors (SPEC section 4), obtained from <see cref="DrcRegistry.Rtas"/>.
/// An emulator maps its RTAS tokens to these methods. Guest input never throws: every bad value is a status code.
/// </summary>
public sealed partial class DrcRtas
{
    /// <summary>The size of the configure-connector work area: copies are clipped here.</summary>
    public const int WorkAreaSize = 4096;

    /// <summary>The byte offset in the work area where names and values are written.</summary>
    public const int WorkAreaDataOffset = 20;

    /// <summary>The size of a hotplug event's RTAS error log written by check-exception.</summary>
    public const int EventLogSize = RtasEventLog.Length;

    private readonly DrcRegistry _registry;

    internal DrcRtas(DrcRegistry registry) => _registry = registry;

    /// <summary>set-indicator(type, index, value) with typed arguments.</summary>
    /// <param name="indicator">9001 isolation, 9002 DR indicator, 9003 allocation; others give -3.</param>
    /// <param name="index">The connector index.</param>
    /// <param name="value">The indicator value.</param>
    /// <returns>The status.</returns>
    public RtasStatus SetIndicator(uint indicator, uint index, uint value) =>
        _registry.RunGuest((indicator, index, value), static (registry, args) => SetIndicatorLocked(registry, args.indicator, args.index, args.value));

    /// <summary>set-indicator in RTAS cell form: 3 argument cells, 1 return cell. Wrong counts give -3 in the first return cell.</summary>
    /// <param name="args">The argument cells.</param>
    /// <param name="rets">The return cells.</param>
    public void SetIndicator(ReadOnlySpan<uint> args, Span<uint> rets)
    {
        if (args.Length != 3 || rets.Length != 1)
        {
            if (!rets.IsEmpty)
            {
                rets[0] = unchecked((uint)RtasStatus.ParameterError);
            }

            return;
        }

        rets[0] = unchecked((uint)SetIndicator(args[0], args[1], args[2]));
    }

    /// <summary>get-sensor-state(type, index) with typed arguments.</summary>
    /// <param name="sensor">9003 (entity sense); others give -3.</param>
    /// <param name="index">The connector index.</param>
    /// <param name="state">The sensor value; 0 on error.</param>
    /// <returns>The status.</returns>
    public RtasStatus GetSensorState(uint sensor, uint index, out uint state)
    {
        state = 0;
        if (sensor != (uint)RtasSensor.EntitySense || !_registry.TryGet(new DrcIndex(index), out var drc))
        {
            return RtasStatus.ParameterError;
        }

        state = (uint)drc.EntitySense;
        return RtasStatus.Success;
    }

    /// <summary>get-sensor-state in RTAS cell form: 2 argument cells, 2 return cells. Wrong counts give (-3, 0).</summary>
    /// <param name="args">The argument cells.</param>
    /// <param name="rets">The return cells.</param>
    public void GetSensorState(ReadOnlySpan<uint> args, Span<uint> rets)
    {
        if (args.Length != 2 || rets.Length != 2)
        {
            if (!rets.IsEmpty)
            {
                rets[0] = unchecked((uint)RtasStatus.ParameterError);
            }

            if (rets.Length > 1)
            {
                rets[1] = 0;
            }

            return;
        }

        var status = GetSensorState(args[0], args[1], out var state);
        rets[0] = unchecked((uint)status);
        rets[1] = state;
    }

    /// <summary>
    /// One ibm,configure-connector call on the guest's work area (big-endian cells; wa[0] is the connector index).
    /// Writes the next node or property of the device's fragment and says which.
    /// </summary>
    /// <param name="workArea">The work area, normally 4096 bytes; copies are clipped at its end (and at 4096).</param>
    /// <returns>The status.</returns>
    public ConfigureConnectorStatus ConfigureConnector(Span<byte> workArea)
    {
        if (workArea.Length < WorkAreaDataOffset)
        {
            return ConfigureConnectorStatus.ParameterError;
        }

        var wa = workArea.Length > WorkAreaSize ? workArea[..WorkAreaSize] : workArea;
        try
        {
            lock (_registry.Sync)
            {
                return ConfigureConnectorLocked(_registry, wa);
            }
        }
        finally
        {
            _registry.Dispatch();
        }
    }

    /// <summary>
    /// check-exception: dequeues the first event (FIFO) whose class is in <paramref name="eventMask"/> and writes its
    /// 116-byte RTAS error log into <paramref name="buffer"/>.
    /// </summary>
    /// <param name="eventMask">Event classes to take (<see cref="RtasEventClasses"/> bits).</param>
    /// <param name="buffer">Where the log goes; at least <see cref="EventLogSize"/> bytes.</param>
    /// <param name="dequeued">The event written, or <see langword="null"/>.</param>
    /// <returns>0 with an event; 1 (NoErrorsFound) when none is queued in those classes; -3 when the buffer is too small (nothing dequeued).</returns>
    public RtasStatus CheckException(uint eventMask, Span<byte> buffer, out HotplugEvent? dequeued)
    {
        lock (_registry.Sync)
        {
            dequeued = _registry.PeekEvent(eventMask, out int position);
            if (dequeued is null)
            {
                return RtasStatus.NoErrorsFound;
            }

            if (buffer.Length < EventLogSize)
            {
                dequeued = null;
                return RtasStatus.ParameterError;
            }

            _registry.RemoveEventAt(position);
            RtasEventLog.Write(dequeued, buffer);
            return RtasStatus.Success;
        }
    }

    /// <summary>event-scan's question: which classes still hold events.</summary>
    /// <returns>The classes with at least one queued event.</returns>
    public RtasEventClasses PendingEventClasses() => _registry.PendingEventClasses;

    private static RtasStatus SetIndicatorLocked(DrcRegistry registry, uint indicator, uint index, uint value)
    {
        if (!registry.TryGetLocked(index, out var drc))
        {
            return RtasStatus.ParameterError;
        }

        switch (indicator)
        {
            case (uint)RtasIndicator.Isolation:
                return value > 1 ? RtasStatus.ParameterError : registry.ApplyTransition(drc, RtasIndicator.Isolation, value);
            case (uint)RtasIndicator.Allocation:
                return drc.Class == DrcClass.Physical || value > 1 ? RtasStatus.ParameterError : registry.ApplyTransition(drc, RtasIndicator.Allocation, value);
            case (uint)RtasIndicator.DrIndicator:
                if (drc.Class == DrcClass.Logical || value > (uint)DrIndicator.Action)
                {
                    return RtasStatus.ParameterError;
                }

                drc.DrIndicator = (DrIndicator)value;
                return RtasStatus.Success;
            default:
                return RtasStatus.ParameterError;
        }
    }

    private static ConfigureConnectorStatus ConfigureConnectorLocked(DrcRegistry registry, Span<byte> wa)
    {
        uint index = BinaryPrimitives.ReadUInt32BigEndian(wa);
        if (!registry.TryGetLocked(index, out var drc))
        {
            return ConfigureConnectorStatus.ParameterError;
        }

        if (drc.State is not (DrcState.LogicalUnisolate or DrcState.LogicalConfigured or DrcState.PhysicalUnisolate or DrcState.PhysicalConfigured))
        {
            return ConfigureConnectorStatus.NotConfigurable;
        }

        if (drc.Type == DrcType.Lmb && drc.Request is { } request)
        {
            // Older kernels signal a rejected memory unplug by reconfiguring an LMB: roll the device back, then go on.
            registry.RejectLocked(request);
        }

        if (drc.Attachment?.Flat is not { } flat)
        {
            return ConfigureConnectorStatus.HardwareError;
        }

        var token = flat.Tokens[drc.Cursor];
        switch (token.Kind)
        {
            case FlatFragment.TokenKind.BeginNode:
                CopyClipped(token.Name, wa, WorkAreaDataOffset);
                BinaryPrimitives.WriteUInt32BigEndian(wa[8..], WorkAreaDataOffset);
                drc.Cursor++;
                return ConfigureConnectorStatus.NextChild;
            case FlatFragment.TokenKind.Property:
                int valueOffset = WorkAreaDataOffset + token.Name.Length;
                CopyClipped(token.Name, wa, WorkAreaDataOffset);
                BinaryPrimitives.WriteUInt32BigEndian(wa[8..], WorkAreaDataOffset);
                BinaryPrimitives.WriteUInt32BigEndian(wa[12..], (uint)token.Value.Length);
                BinaryPrimitives.WriteUInt32BigEndian(wa[16..], (uint)valueOffset);
                CopyClipped(token.Value.Span, wa, valueOffset);
                drc.Cursor++;
                return ConfigureConnectorStatus.NextProperty;
            default:
                if (token.Depth > 0)
                {
                    drc.Cursor++;
                    return ConfigureConnectorStatus.PreviousParent;
                }

                // The top node ended: the device is configured, and the sequence can be repeated from the start.
                drc.State = DrcTypeInfo.ReadyStateOf(drc.Class);
                drc.Cursor = 0;
                if (registry.Logger.IsEnabled(LogLevel.Debug))
                {
                    Log.Configured(registry.Logger, drc.Index, drc.Name, ConfigureConnectorStatus.Success);
                }

                return ConfigureConnectorStatus.Success;
        }
    }

    private static void CopyClipped(ReadOnlySpan<byte> source, Span<byte> workArea, int offset)
    {
        if (offset >= workArea.Length)
        {
            return;
        }

        int length = Math.Min(source.Length, workArea.Length - offset);
        source[..length].CopyTo(workArea[offset..]);
    }
}
