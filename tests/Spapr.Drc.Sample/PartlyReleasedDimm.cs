namespace Spapr.Drc.Sample;

/// <summary>
/// Makes sure the machine has a DIMM the guest released in part: the migration case a destination gets wrong most
/// easily, since it must attach the whole DIMM and leave it to the snapshot to release the LMBs the guest gave back.
/// The random run usually leaves one (a removal the guest did halfway); if not, this plays the guest itself.
/// </summary>
public static class PartlyReleasedDimm
{
    /// <summary>Finds or makes a partly released DIMM. Call it at a quiet point (no event queued), machine running.</summary>
    /// <returns>The DIMM, and whether the random run had left it.</returns>
    public static (MachineDevice Dimm, bool FromRun) Ensure(Machine machine, Ledger ledger)
    {
        foreach (var device in machine.Devices.Where(d => d.Kind == DeviceKind.Dimm))
        {
            if (machine.Registry.TryGetDevice(device.Connector, out var attached)
                && attached.HeldConnectors.Length < attached.Connectors.Length)
            {
                return (device, true);
            }
        }

        // Hot plug a 2-LMB DIMM; the guest (this thread, as vCPU 0) takes the Add event and onlines both LMBs.
        var first = machine.FindFreeLmbs(2) ?? throw new InvalidOperationException("No 2 free LMBs: the monitor's DIMM limit should keep them.");
        var dimm = new MachineDevice("dimm-migrating", DeviceKind.Dimm, first, LmbCount: 2);
        var guest = new LinuxKernel(machine, vcpu: 0);
        Expect(machine.DeviceAdd(dimm, out string? error), error);
        Expect(guest.TryTakeEvent(out var add) && add.Action == HotplugAction.Add, "the guest takes the Add event");
        foreach (var lmb in VcpuGuest.ConnectorsOf(add!))
        {
            Expect(guest.Acquire(lmb) is not null, $"the guest acquires {lmb}");
        }

        // The host asks for it back; the guest offlines the first LMB and cannot offline the second.
        var request = machine.DeviceDel(dimm, Timeout.InfiniteTimeSpan) ?? throw new InvalidOperationException("The DIMM left.");
        ledger.Record(request);
        Expect(request.Status == UnplugRequestStatus.Requested, request.Message);
        Expect(guest.TryTakeEvent(out var remove) && remove.Action == HotplugAction.Remove, "the guest takes the Remove event");
        Expect(guest.Release(first), $"the guest releases {first}");
        return (dimm, false);
    }

    private static void Expect(bool condition, string? what)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Making a partly released DIMM failed: " + what);
        }
    }
}
