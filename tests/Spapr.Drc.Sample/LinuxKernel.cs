using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Spapr.Drc.Sample;

/// <summary>
/// The guest kernel's dynamic-reconfiguration steps, as Linux's pseries code makes them (dlpar.c, hotplug-cpu.c,
/// hotplug-memory.c, and rpaphp for PCI): each step is an RTAS call through <see cref="GuestRtas"/>, never a library
/// method, so the machine sees exactly what a real guest would send. The steps report failure as Linux does, by
/// giving up; deciding what to do with an event is <see cref="VcpuGuest"/>'s business.
/// </summary>
public sealed class LinuxKernel
{
    // Linux's RTAS_ERROR_LOG_MAX: the check-exception buffer it passes.
    private const int ErrorLogMax = 2048;

    // PAPR: a configure-connector sequence ends after a node and its properties; a bound keeps a broken machine from
    // spinning a vCPU forever.
    private const int MaxConfigureSteps = 10_000;

    private readonly GuestRtas _rtas;
    private readonly GuestMemory _ram;
    private readonly ulong _errorLog;
    private readonly ulong _workArea;

    /// <param name="machine">The machine the guest runs on.</param>
    /// <param name="vcpu">The vCPU this code runs on: each has its own RTAS buffers in guest memory.</param>
    public LinuxKernel(Machine machine, int vcpu)
    {
        // Per vCPU, 8 KiB from 64 KiB up: the argument buffer, the error-log buffer, and the 4 KiB work area.
        ulong region = 0x1_0000 + ((ulong)vcpu * 0x2000);
        _rtas = new GuestRtas(machine, region);
        _ram = machine.Ram;
        _errorLog = region + 0x100;
        _workArea = region + 0x1000;
    }

    /// <summary>check-exception for the hot-plug and EPOW classes: takes the oldest hotplug event, if any.</summary>
    public bool TryTakeEvent([NotNullWhen(true)] out HotplugEventLog? log)
    {
        const uint ExternalInterruptVector = 0x500;
        uint mask = (uint)(RtasEventClasses.Hotplug | RtasEventClasses.Epow);
        Span<uint> rets = stackalloc uint[1];
        int status = _rtas.Call("check-exception", [ExternalInterruptVector, 0, mask, 1, (uint)_errorLog, ErrorLogMax], rets);
        log = status == (int)RtasStatus.Success ? HotplugEventLog.Parse(_ram.Span(_errorLog, HotplugEventLog.Length)) : null;
        return log is not null;
    }

    /// <summary>event-scan, as Linux's rtasd calls it periodically; the machine re-raises the event interrupt when events wait.</summary>
    public void EventScan()
    {
        Span<uint> rets = stackalloc uint[1];
        _rtas.Call("event-scan", [uint.MaxValue, 0, (uint)_errorLog, ErrorLogMax], rets);
    }

    /// <summary>
    /// Takes a device the host plugged (Linux's dlpar_acquire_drc and dlpar_configure_connector): the connector must
    /// read unusable (logical) or present (physical); then allocation usable (logical only), unisolate, and
    /// configure-connector until the device's node is complete.
    /// </summary>
    /// <returns>The name of the device's node, as the guest adds it to its tree; <see langword="null"/> if the guest gave up.</returns>
    public string? Acquire(DrcIndex connector)
    {
        bool physical = connector.Type == DrcType.Pci;
        var expected = physical ? EntitySense.Present : EntitySense.Unusable;
        if (SenseOf(connector) != expected)
        {
            return null;
        }

        if (!physical && SetIndicator(RtasIndicator.Allocation, connector, 1) != 0)
        {
            return null;
        }

        if (SetIndicator(RtasIndicator.Isolation, connector, 1) != 0)
        {
            if (!physical)
            {
                SetIndicator(RtasIndicator.Allocation, connector, 0);
            }

            return null;
        }

        return Configure(connector);
    }

    /// <summary>
    /// Gives a device back after a Remove event (Linux's dlpar_release_drc; for PCI, rpaphp): the connector must read
    /// present; then isolate, and allocation unusable (logical only). The machine completes the unplug on the last call.
    /// </summary>
    /// <returns>Whether every call succeeded.</returns>
    public bool Release(DrcIndex connector)
    {
        if (SenseOf(connector) != EntitySense.Present || SetIndicator(RtasIndicator.Isolation, connector, 0) != 0)
        {
            return false;
        }

        return connector.Type == DrcType.Pci || SetIndicator(RtasIndicator.Allocation, connector, 0) == 0;
    }

    /// <summary>
    /// Tells the machine the removal failed: unisolate on a connector the guest still uses, the hint Linux gives when
    /// it rolls a memory removal back. PAPR has no other way for a guest to say no.
    /// </summary>
    public void RefuseRemoval(DrcIndex connector) => SetIndicator(RtasIndicator.Isolation, connector, 1);

    private EntitySense SenseOf(DrcIndex connector)
    {
        Span<uint> rets = stackalloc uint[2];
        int status = _rtas.Call("get-sensor-state", [(uint)RtasSensor.EntitySense, connector.Value], rets);
        return status == 0 ? (EntitySense)rets[1] : EntitySense.Empty;
    }

    private int SetIndicator(RtasIndicator indicator, DrcIndex connector, uint value)
    {
        Span<uint> rets = stackalloc uint[1];
        return _rtas.Call("set-indicator", [(uint)indicator, connector.Value, value], rets);
    }

    /// <summary>
    /// The configure-connector loop: the work area starts with the connector's index; each call writes the next node
    /// name or property (offsets in cells 2-4, data from byte 20) until the call returns 0 (Success).
    /// </summary>
    private string? Configure(DrcIndex connector)
    {
        var workArea = _ram.Span(_workArea, DrcRtas.WorkAreaSize);
        BinaryPrimitives.WriteUInt32BigEndian(workArea, connector.Value);
        BinaryPrimitives.WriteUInt32BigEndian(workArea[4..], 0);
        string? topNode = null;
        Span<uint> rets = stackalloc uint[1];
        for (int step = 0; step < MaxConfigureSteps; step++)
        {
            var status = (ConfigureConnectorStatus)_rtas.Call("ibm,configure-connector", [(uint)_workArea, 0], rets);
            switch (status)
            {
                case ConfigureConnectorStatus.Success:
                    return topNode;
                case ConfigureConnectorStatus.NextChild:
                    topNode ??= StringAt(workArea, Cell(workArea, 2));
                    break;
                case ConfigureConnectorStatus.NextProperty or ConfigureConnectorStatus.PreviousParent:
                    // Linux copies the property (name at cell 2, length in cell 3, value at cell 4) into its tree.
                    break;
                default:
                    return null;
            }
        }

        return null;
    }

    private static int Cell(ReadOnlySpan<byte> workArea, int cell) => (int)BinaryPrimitives.ReadUInt32BigEndian(workArea[(cell * 4)..]);

    private static string StringAt(ReadOnlySpan<byte> workArea, int offset)
    {
        var bytes = workArea[offset..];
        return Encoding.ASCII.GetString(bytes[..bytes.IndexOf((byte)0)]);
    }
}
