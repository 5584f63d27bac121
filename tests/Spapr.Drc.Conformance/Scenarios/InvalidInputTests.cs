using Spapr.Drc.Conformance.Qemu;
using Spapr.Drc.Conformance.Twin;

namespace Spapr.Drc.Conformance.Scenarios;

/// <summary>Every invalid input of SPEC section 4: the same status code from QEMU and the library, and no state change.</summary>
public sealed class InvalidInputTests
{
    private const uint Unknown = 0xDEAD_BEEF;

    [QemuFact]
    public void SetIndicator_UnknownIndex_IsParameterError()
    {
        using var twin = PseriesTwin.Start();
        foreach (uint indicator in new uint[] { 9001, 9002, 9003 })
        {
            foreach (uint value in new uint[] { 0, 1 })
            {
                twin.Step($"set-indicator {indicator} unknown {value}", s => s.SetIndicator(indicator, Unknown, value)).Should().Be(-3);
            }
        }

        twin.Step("set-indicator 9001 on a VIO index", s => s.SetIndicator(9001, 0x3000_0000, 1)).Should().Be(-3);
        twin.Step("set-indicator 9001 on a missing LMB", s => s.SetIndicator(9001, Drcs.Lmb(7), 0)).Should().Be(-3);
    }

    [QemuFact]
    public void SetIndicator_WrongTypeOrValue_IsParameterError()
    {
        using var twin = PseriesTwin.Start();
        twin.Step("indicator 9999", s => s.SetIndicator(9999, Drcs.Core(0), 0)).Should().Be(-3);
        twin.Step("indicator 9004", s => s.SetIndicator(9004, Drcs.Core(0), 0)).Should().Be(-3);
        twin.Step("isolation value 2", s => s.SetIndicator(9001, Drcs.Core(0), 2)).Should().Be(-3);
        twin.Step("allocation exchange", s => s.SetIndicator(9003, Drcs.Core(0), 2)).Should().Be(-3);
        twin.Step("allocation recover", s => s.SetIndicator(9003, Drcs.Core(0), 3)).Should().Be(-3);
        twin.Step("allocation 7", s => s.SetIndicator(9003, Drcs.Core(1), 7)).Should().Be(-3);
        twin.Sense(Drcs.Core(0)).Value.Should().Be(1);
    }

    [QemuFact]
    public void SetIndicator_WrongClass_IsParameterError()
    {
        using var twin = PseriesTwin.Start();
        twin.Step("pt1", s => s.AddPci("pt1", 4));
        twin.Step("dr-indicator on a CPU", s => s.SetIndicator(9002, Drcs.Core(0), 1)).Should().Be(-3);
        twin.Step("dr-indicator on an LMB", s => s.SetIndicator(9002, Drcs.Lmb(8), 0)).Should().Be(-3);
        twin.Step("allocation on PCI", s => s.SetIndicator(9003, Drcs.PciSlot(4), 1)).Should().Be(-3);
        twin.Step("allocation unusable on empty PCI", s => s.SetIndicator(9003, Drcs.PciSlot(5), 0)).Should().Be(-3);
        twin.Step("dr-indicator action", s => s.SetIndicator(9002, Drcs.PciSlot(4), 3)).Should().Be(0);
        twin.Step("dr-indicator 4", s => s.SetIndicator(9002, Drcs.PciSlot(4), 4)).Should().Be(-3);
        twin.Step("dr-indicator active on empty PCI", s => s.SetIndicator(9002, Drcs.PciSlot(6), 1)).Should().Be(0);
        twin.Step("dr-indicator identify on empty PCI", s => s.SetIndicator(9002, Drcs.PciSlot(6), 2)).Should().Be(0);
    }

    [QemuFact]
    public void SetIndicator_WrongState_IsRefusedOrNoOp()
    {
        using var twin = PseriesTwin.Start();
        twin.Isolate(Drcs.Core(1)).Should().Be(0);
        twin.Isolate(Drcs.Lmb(8)).Should().Be(0);
        twin.Isolate(Drcs.PciSlot(1)).Should().Be(0);
        twin.Isolate(Drcs.Phb(2)).Should().Be(0);
        twin.Unisolate(Drcs.Core(1)).Should().Be(-3);
        twin.Unisolate(Drcs.PciSlot(1)).Should().Be(-3);
        twin.Unisolate(Drcs.Pmem(0)).Should().Be(-3);
        twin.Usable(Drcs.Core(1)).Should().Be(-3);
        twin.Usable(Drcs.Lmb(8)).Should().Be(-3);
        twin.Usable(Drcs.Pmem(1)).Should().Be(-3);
        twin.Unusable(Drcs.Core(1)).Should().Be(0);
        twin.Usable(Drcs.Core(0)).Should().Be(0);
        twin.Unusable(Drcs.Core(0)).Should().Be(-3);
        twin.Unisolate(Drcs.Core(0)).Should().Be(0);

        twin.Step("device_add core1", s => s.AddCore("core1", 1));
        twin.Unisolate(Drcs.Core(1)).Should().Be(-3);
        twin.Usable(Drcs.Core(1)).Should().Be(0);
        twin.Usable(Drcs.Core(1)).Should().Be(0);
        twin.Unisolate(Drcs.Core(1)).Should().Be(0);
        twin.Isolate(Drcs.Core(1)).Should().Be(-3);
        twin.Unusable(Drcs.Core(1)).Should().Be(-3);
        twin.Configure(Drcs.Core(1));
        twin.Isolate(Drcs.Core(1)).Should().Be(0);
        twin.Unusable(Drcs.Core(1)).Should().Be(0);
        twin.Sense(Drcs.Core(1)).Value.Should().Be(2);
        twin.Settle();
    }

    [QemuFact]
    public void SetIndicator_UsableWhileUnplugPending_IsNoOp()
    {
        using var twin = PseriesTwin.Start();
        uint core1 = Drcs.Core(1);
        twin.Step("device_add core1", s => s.AddCore("core1", 1));
        twin.Acquire(core1);
        twin.Del("core1");
        twin.Usable(core1).Should().Be(0);
        twin.Isolate(core1).Should().Be(0);
        twin.Usable(core1).Should().Be(0);
        twin.Sense(core1).Value.Should().Be(1);
        twin.Unusable(core1).Should().Be(0);
        twin.Usable(core1).Should().Be(-3);
    }

    [QemuFact]
    public void GetSensorState_InvalidInputs_AreParameterErrorWithZero()
    {
        using var twin = PseriesTwin.Start();
        twin.Step("sense unknown", s => s.GetSensorState(9003, Unknown)).Should().Be(new SensorReading(-3, 0));
        twin.Step("sensor 9001", s => s.GetSensorState(9001, Drcs.Core(0))).Should().Be(new SensorReading(-3, 0));
        twin.Step("sensor 9999", s => s.GetSensorState(9999, Drcs.Core(0))).Should().Be(new SensorReading(-3, 0));
        twin.Step("sense VIO", s => s.GetSensorState(9003, 0x3000_0000)).Should().Be(new SensorReading(-3, 0));
    }

    [QemuFact]
    public void RtasCells_WrongCounts_AreParameterError()
    {
        using var twin = PseriesTwin.Start();
        twin.Step("set-indicator nargs 2", s => s.SetIndicatorCells([9001, Drcs.Core(0)], 1)).Should().Equal(0xFFFF_FFFDu);
        twin.Step("set-indicator nret 2", s => s.SetIndicatorCells([9001, Drcs.Core(0), 1], 2)).Should().Equal(0xFFFF_FFFDu, 0xA5A5_A5A5u);
        twin.Step("set-indicator nargs 4", s => s.SetIndicatorCells([9001, Drcs.Core(0), 1, 0], 1)).Should().Equal(0xFFFF_FFFDu);
        twin.Step("get-sensor-state nargs 1", s => s.GetSensorStateCells([9003], 2)).Should().Equal(0xFFFF_FFFDu, 0u);
        twin.Step("get-sensor-state nret 1", s => s.GetSensorStateCells([9003, Drcs.Core(0)], 1)).Should().Equal(0xFFFF_FFFDu);
        twin.Step("get-sensor-state nargs 3", s => s.GetSensorStateCells([9003, Drcs.Core(0), 0], 2)).Should().Equal(0xFFFF_FFFDu, 0u);
    }

    [QemuFact]
    public void ConfigureConnector_InvalidStates_AreRefused()
    {
        using var twin = PseriesTwin.Start();
        twin.Step("cc unknown", s => s.ConfigureConnectorStep(Unknown, start: true)).Should().Be(-3);
        twin.Step("cc empty CPU", s => s.ConfigureConnectorStep(Drcs.Core(1), start: true)).Should().Be(-9003);
        twin.Step("cc empty PCI", s => s.ConfigureConnectorStep(Drcs.PciSlot(1), start: true)).Should().Be(-9003);
        twin.Step("cc empty LMB", s => s.ConfigureConnectorStep(Drcs.Lmb(8), start: true)).Should().Be(-9003);
        twin.Step("cc empty PHB", s => s.ConfigureConnectorStep(Drcs.Phb(5), start: true)).Should().Be(-9003);
        twin.Step("device_add core1", s => s.AddCore("core1", 1));
        twin.Usable(Drcs.Core(1));
        twin.Step("cc available CPU", s => s.ConfigureConnectorStep(Drcs.Core(1), start: true)).Should().Be(-9003);
        twin.Step("pt1", s => s.AddPci("pt1", 4));
        twin.Step("cc hot-plugged PCI before unisolate", s => s.ConfigureConnectorStep(Drcs.PciSlot(4), start: true)).Should().Be(-9003);
    }

    [QemuFact]
    public void ConfigureConnector_Interrupted_ResumesWhereItStopped()
    {
        using var twin = PseriesTwin.Start();
        uint core1 = Drcs.Core(1);
        twin.Step("device_add core1", s => s.AddCore("core1", 1));
        twin.AcquireUpToTheWalk(core1);
        twin.Step("cc #1", s => s.ConfigureConnectorStep(core1, start: true)).Should().Be(2);
        twin.Step("cc #2", s => s.ConfigureConnectorStep(core1, start: false)).Should().Be(3);
        twin.Isolate(core1).Should().Be(-3);
        twin.Configure(core1).Should().Be("3x29,0");
        twin.Configure(core1).Should().Be("2,3x30,0");
    }

    [QemuFact]
    public void ConfigureConnector_UnisolateRewindsTheCursor()
    {
        using var twin = PseriesTwin.Start();
        uint core1 = Drcs.Core(1);
        twin.Step("device_add core1", s => s.AddCore("core1", 1));
        twin.AcquireUpToTheWalk(core1);
        twin.Step("cc #1", s => s.ConfigureConnectorStep(core1, start: true));
        twin.Step("cc #2", s => s.ConfigureConnectorStep(core1, start: false));
        twin.Unisolate(core1).Should().Be(0);
        twin.Configure(core1).Should().Be("3x29,0");
    }

    [QemuFact]
    public void CheckException_EmptyQueueAndClassMasks_Agree()
    {
        using var twin = PseriesTwin.Start();
        twin.CheckException().Status.Should().Be(1);
        twin.Step("device_add core1", s => s.AddCore("core1", 1));
        twin.Step("device_add core2", s => s.AddCore("core2", 2));
        twin.CheckException(0x4000_0000).Index.Should().Be(Drcs.Core(1));
        twin.CheckException(0x4000_0000).Index.Should().Be(Drcs.Core(2));
        twin.CheckException(0x4000_0000).Status.Should().Be(1);
    }

    [QemuFact]
    public void CheckException_HotplugClassMaskBeforeNegotiation_Agrees()
    {
        using var twin = PseriesTwin.Start();
        twin.Step("device_add core1", s => s.AddCore("core1", 1));
        twin.CheckException(0x1000_0000).Status.Should().Be(1);
        twin.CheckException(0x0000_0001).Status.Should().Be(1);
        twin.CheckException().Status.Should().Be(0);
    }

    /// <summary>
    /// Deliberate difference: QEMU 7.2 ignores the buffer length the guest passes and writes the whole 116-byte log
    /// (even for length 0, past the guest's buffer); the library never writes outside the span it is given, so it
    /// answers -3 and keeps the event queued for a call with a large enough buffer.
    /// </summary>
    [QemuFact]
    public void CheckException_BufferShorterThanLog_QemuOverrunsLibraryRefuses()
    {
        using var twin = PseriesTwin.Start();
        twin.Step("device_add core1", s => s.AddCore("core1", 1));

        var qemu = twin.Qemu.CheckException(PseriesTwin.AllClasses, 16);
        var library = twin.Model.CheckException(PseriesTwin.AllClasses, 16);

        (qemu.Status, qemu.Index).Should().Be((0, Drcs.Core(1)));
        library.Status.Should().Be(-3);
        twin.Model.CheckException(PseriesTwin.AllClasses).Masked.Should().Be(qemu.Masked);
    }

    [QemuFact]
    public void CheckExceptionAndEventScan_CellForms_Agree()
    {
        using var twin = PseriesTwin.Start();
        twin.Step("device_add core1", s => s.AddCore("core1", 1));
        twin.Step("device_add core2", s => s.AddCore("core2", 2));
        twin.Step("event-scan", s => s.EventScanCells([0xFFFF_FFFF, 0, s.EventBufferAddress, 2048], 1)).Should().Equal(1u);
        twin.Step("check-exception 5 args", s => s.CheckExceptionCells([0, 0, 0xFFFF_FFFF, 0, s.EventBufferAddress], 1)).Should().Equal(0xFFFF_FFFDu);
        twin.Step("check-exception nret 2", s => s.CheckExceptionCells([0, 0, 0xFFFF_FFFF, 0, s.EventBufferAddress, 2048], 2));
        twin.Step("check-exception 7 args", s => s.CheckExceptionCells([0, 0, 0xFFFF_FFFF, 0, s.EventBufferAddress, 2048, 0], 1)).Should().Equal(0u);
        twin.Step("check-exception 6 args", s => s.CheckExceptionCells([0, 0, 0xFFFF_FFFF, 0, s.EventBufferAddress, 2048], 1));
        twin.CheckException().Status.Should().Be(1);
    }
}
