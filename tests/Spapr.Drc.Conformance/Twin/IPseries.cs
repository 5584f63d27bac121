namespace Spapr.Drc.Conformance.Twin;

/// <summary>
/// The operations a scenario performs, implemented once against QEMU and once against a <see cref="DrcRegistry"/>
/// configured like that QEMU machine.
/// </summary>
public interface IPseries
{
    HostOutcome AddCore(string id, int coreId);

    /// <summary>Hot-adds a DIMM of <paramref name="lmbs"/> × 256 MiB; returns the outcome and the first LMB index (0 on failure).</summary>
    (HostOutcome Outcome, uint FirstLmb) AddDimm(string id, int lmbs);

    HostOutcome AddPhb(string id, int index);

    /// <summary>Hot-adds a single-function PCI device in slot <paramref name="slot"/> of the default PHB.</summary>
    HostOutcome AddPci(string id, int slot);

    /// <summary>Hot-adds a multifunction-capable PCI device at <paramref name="slot"/>.<paramref name="function"/> of the default PHB.</summary>
    HostOutcome AddPciFunction(string id, int slot, int function);

    HostOutcome Del(string id);

    void Reset();

    int SetIndicator(uint indicator, uint index, uint value);

    SensorReading GetSensorState(uint sensor, uint index);

    /// <summary>set-indicator with arbitrary cell counts; the return cells start poisoned with 0xA5A5A5A5.</summary>
    uint[] SetIndicatorCells(uint[] args, int nret);

    /// <summary>get-sensor-state with arbitrary cell counts; the return cells start poisoned with 0xA5A5A5A5.</summary>
    uint[] GetSensorStateCells(uint[] args, int nret);

    /// <summary>check-exception with arbitrary cells; cells 4 and 5 should name the event buffer and its length.</summary>
    uint[] CheckExceptionCells(uint[] args, int nret);

    /// <summary>event-scan with arbitrary cells.</summary>
    uint[] EventScanCells(uint[] args, int nret);

    /// <summary>The guest-physical address of the event buffer check-exception cells should name.</summary>
    uint EventBufferAddress { get; }

    /// <summary>One ibm,configure-connector call; <paramref name="start"/> clears the work area and writes the index.</summary>
    int ConfigureConnectorStep(uint index, bool start);

    ExceptionLog CheckException(uint mask);

    /// <summary>check-exception with a buffer of <paramref name="length"/> bytes (too small for a hotplug log when under 116).</summary>
    ExceptionLog CheckException(uint mask, int length);

    /// <summary>Device notifications since the last call; waits (bounded) until at least <paramref name="expected"/> arrived.</summary>
    IReadOnlyList<DeviceEvent> TakeDeviceEvents(int expected, TimeSpan settle);
}
