using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Spapr.Drc;

/// <summary>
/// The guest's RTAS calls for a machine's connectors (SPEC section 4), obtained from <see cref="DrcRegistry.Rtas"/>.
/// Each call exists in the cell form an emulator forwards (raw 32-bit cells, as the guest passed them) and in a typed
/// form. Guest input never throws: every bad value is a status code. After the registry is disposed every call answers
/// -1 (HardwareError) and changes nothing, so a vCPU thread racing the machine's teardown never sees an exception.
/// </summary>
public sealed partial class DrcRtas
{
    /// <summary>The size of the configure-connector work area: copies are clipped here.</summary>
    public const int WorkAreaSize = 4096;

    /// <summary>The byte offset in the work area where names and values are written.</summary>
    public const int WorkAreaDataOffset = 20;

    /// <summary>The size of a hotplug event's RTAS error log written by check-exception.</summary>
    public const int EventLogSize = RtasEventLog.Length;

    private readonly RegistryCore _core;

    internal DrcRtas(RegistryCore core) => _core = core;

    /// <summary>set-indicator(type, index, value) on raw cells.</summary>
    /// <param name="indicator">9001 isolation, 9002 DR indicator, 9003 allocation; others give -3.</param>
    /// <param name="index">The connector index; an unknown one gives -3.</param>
    /// <param name="value">The indicator value.</param>
    /// <returns>The status.</returns>
    public RtasStatus SetIndicator(uint indicator, uint index, uint value) =>
        _core.Guest((indicator, index, value), RtasStatus.HardwareError, static (core, args) => SetIndicatorLocked(core, args.indicator, args.index, args.value));

    /// <summary>set-indicator with typed arguments.</summary>
    /// <param name="indicator">Isolation, DR indicator or allocation.</param>
    /// <param name="index">The connector index.</param>
    /// <param name="value">The indicator value (isolation: 0 isolate, 1 unisolate; allocation: 0 unusable, 1 usable; DR indicator 0-3).</param>
    /// <returns>The status.</returns>
    public RtasStatus SetIndicator(RtasIndicator indicator, DrcIndex index, uint value) => SetIndicator((uint)indicator, index.Value, value);

    /// <summary>set-indicator in RTAS cell form: 3 argument cells, 1 return cell. Wrong counts give -3 in the first return cell.</summary>
    /// <param name="args">The argument cells.</param>
    /// <param name="rets">The return cells.</param>
    public void SetIndicator(ReadOnlySpan<uint> args, Span<uint> rets)
    {
        if (args.Length != 3 || rets.Length != 1)
        {
            if (!rets.IsEmpty)
            {
                rets[0] = unchecked((uint)(_core.Disposed ? RtasStatus.HardwareError : RtasStatus.ParameterError));
            }

            return;
        }

        rets[0] = unchecked((uint)SetIndicator(args[0], args[1], args[2]));
    }

    /// <summary>get-sensor-state(type, index) on raw cells. Lock-free: a stable machine is read at dictionary speed.</summary>
    /// <param name="sensor">9003 (entity sense); others give -3.</param>
    /// <param name="index">The connector index; an unknown one gives -3.</param>
    /// <param name="state">The sensor value; 0 on error.</param>
    /// <returns>The status.</returns>
    public RtasStatus GetSensorState(uint sensor, uint index, out uint state)
    {
        state = 0;
        if (_core.Disposed)
        {
            return RtasStatus.HardwareError;
        }

        if (sensor != (uint)RtasSensor.EntitySense || !_core.Connectors.TryGetShared(index, out var drc))
        {
            return RtasStatus.ParameterError;
        }

        state = (uint)drc.EntitySense;
        // Diagnostics of a pending unplug (the read itself stays lock-free; this runs only while one is pending). The
        // connector's own slot answers for a held connector without reaching its device (another object, often another
        // cache line): only a connector the guest already released asks its device.
        if (drc.RequestSlot != 0 || (!drc.IsHeld && drc.AttachedDevice is { RequestSlot: not 0 }))
        {
            RecordSensorRead(drc);
        }

        return RtasStatus.Success;
    }

    // Out of line: the lock's try/finally would otherwise weigh on every read, pending or not.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RecordSensorRead(SpaprDrc drc)
    {
        lock (_core.Sync)
        {
            _core.Activity++;
            _core.Unplugs.RecordGuestCall(drc, GuestCallKind.GetSensorState, (int)RtasStatus.Success);
        }
    }

    /// <summary>get-sensor-state with typed arguments.</summary>
    /// <param name="sensor">The sensor (entity sense).</param>
    /// <param name="index">The connector index.</param>
    /// <param name="sense">What the sensor reads; <see cref="EntitySense.Empty"/> on error.</param>
    /// <returns>The status.</returns>
    public RtasStatus GetSensorState(RtasSensor sensor, DrcIndex index, out EntitySense sense)
    {
        var status = GetSensorState((uint)sensor, index.Value, out uint value);
        sense = (EntitySense)value;
        return status;
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
                rets[0] = unchecked((uint)(_core.Disposed ? RtasStatus.HardwareError : RtasStatus.ParameterError));
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
        if (_core.Disposed)
        {
            return ConfigureConnectorStatus.HardwareError;
        }

        if (workArea.Length < WorkAreaDataOffset)
        {
            return ConfigureConnectorStatus.ParameterError;
        }

        var wa = workArea.Length > WorkAreaSize ? workArea[..WorkAreaSize] : workArea;

        // A span cannot ride in the state of the shared helper; the work area is the caller's, so it is written under the lock here.
        try
        {
            lock (_core.Sync)
            {
                if (_core.Disposed)
                {
                    return ConfigureConnectorStatus.HardwareError;
                }

                _core.Activity++;

                var status = ConfigureConnectorLocked(_core, wa, out var drc);
                if (drc is not null)
                {
                    _core.Unplugs.RecordGuestCall(drc, GuestCallKind.ConfigureConnector, (int)status);
                }

                _core.AssertInvariantsInDebug();
                return status;
            }
        }
        finally
        {
            _core.Outbox.Dispatch();
        }
    }

    private static RtasStatus SetIndicatorLocked(RegistryCore core, uint indicator, uint index, uint value)
    {
        if (!core.Connectors.TryGetValue(index, out var drc))
        {
            return RtasStatus.ParameterError;
        }

        var status = SetIndicatorOn(core, drc, indicator, value);
        if (CallKind(indicator, value) is { } kind)
        {
            core.Unplugs.RecordGuestCall(drc, kind, (int)status);
        }

        return status;
    }

    private static GuestCallKind? CallKind(uint indicator, uint value) => (indicator, value) switch
    {
        ((uint)RtasIndicator.Isolation, 0) => GuestCallKind.Isolate,
        ((uint)RtasIndicator.Isolation, 1) => GuestCallKind.Unisolate,
        ((uint)RtasIndicator.Allocation, 0) => GuestCallKind.Unusable,
        ((uint)RtasIndicator.Allocation, 1) => GuestCallKind.Usable,
        ((uint)RtasIndicator.DrIndicator, _) => GuestCallKind.SetDrIndicator,
        _ => null,
    };

    private static RtasStatus SetIndicatorOn(RegistryCore core, SpaprDrc drc, uint indicator, uint value)
    {
        var rules = drc.Kind.Rules;
        switch (indicator)
        {
            case (uint)RtasIndicator.Isolation:
                return value > 1 ? RtasStatus.ParameterError : ApplyTransition(core, drc, RtasIndicator.Isolation, value);
            case (uint)RtasIndicator.Allocation:
                return !rules.AcceptsAllocation || value > 1 ? RtasStatus.ParameterError : ApplyTransition(core, drc, RtasIndicator.Allocation, value);
            case (uint)RtasIndicator.DrIndicator:
                if (!rules.HasDrIndicator || value > (uint)DrIndicator.Action)
                {
                    return RtasStatus.ParameterError;
                }

                drc.DrIndicator = (DrIndicator)value;
                return RtasStatus.Success;
            default:
                return RtasStatus.ParameterError;
        }
    }

    /// <summary>Applies one row of the transition table (SPEC section 3) and its effects.</summary>
    private static RtasStatus ApplyTransition(RegistryCore core, SpaprDrc drc, RtasIndicator indicator, uint value)
    {
        var kind = drc.Kind;
        bool pending = drc.RequestSlot != 0;
        if (!DrcTransitionTable.TryFind(kind.Rules.Class, indicator, value, drc.State, drc.IsHeld, pending, kind.GuestIsolateNeedsRequest, out var rule))
        {
            return RtasStatus.ParameterError;
        }

        var old = drc.State;
        if (rule.Status == RtasStatus.Success)
        {
            drc.State = rule.To;
            if ((rule.Effects & DrcTransitionEffects.RewindCursor) != 0)
            {
                drc.Cursor = 0;
            }

            if ((rule.Effects & DrcTransitionEffects.ReleaseIfPending) != 0 && drc.RequestSlot != 0)
            {
                core.Unplugs.Release(drc, UnplugOutcome.Completed);
            }

            if ((rule.Effects & DrcTransitionEffects.RejectUnplug) != 0)
            {
                core.Unplugs.Reject(drc);
            }
        }

        if (core.Logger.IsEnabled(LogLevel.Debug))
        {
            Log.StateChanged(core.Logger, drc.Index, drc.Name, indicator == RtasIndicator.Isolation ? "isolation" : "allocation", value, old, drc.State, (int)rule.Status);
        }

        return rule.Status;
    }

    private static ConfigureConnectorStatus ConfigureConnectorLocked(RegistryCore core, Span<byte> wa, out SpaprDrc? found)
    {
        uint index = BinaryPrimitives.ReadUInt32BigEndian(wa);
        if (!core.Connectors.TryGetValue(index, out var drc))
        {
            found = null;
            return ConfigureConnectorStatus.ParameterError;
        }

        found = drc;
        var kind = drc.Kind;
        if (!kind.Rules.IsConfigurable(drc.State))
        {
            return ConfigureConnectorStatus.NotConfigurable;
        }

        if (kind.ReconfigureRejectsUnplug && drc.RequestSlot != 0)
        {
            // Older kernels signal a rejected memory unplug by reconfiguring an LMB: roll the device back, then go on.
            core.Unplugs.Reject(drc);
        }

        if (!drc.IsHeld || drc.AttachedDevice?.FlatAt(drc.Ordinal) is not { } flat)
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
                drc.State = kind.Rules.ReadyState;
                drc.Cursor = 0;
                if (core.Logger.IsEnabled(LogLevel.Debug))
                {
                    Log.Configured(core.Logger, drc.Index, drc.Name, ConfigureConnectorStatus.Success);
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
