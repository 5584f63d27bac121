namespace Spapr.Drc.Conformance.Twin;

/// <summary>What the host learns about a device: QEMU's DEVICE_DELETED / DEVICE_UNPLUG_GUEST_ERROR, the library's UnplugCompleted / UnplugRejectedByGuest.</summary>
/// <param name="Kind">Deleted or GuestError.</param>
/// <param name="Device">The device id.</param>
public readonly record struct DeviceEvent(DeviceEventKind Kind, string Device)
{
    public override string ToString() => $"{Kind}({Device})";
}
