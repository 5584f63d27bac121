namespace Spapr.Drc;

/// <summary>
/// What is plugged into a connector. Allocated only while a device is attached, so an idle connector
/// stays a few fields (SPEC's machines have tens of thousands of LMB connectors).
/// </summary>
internal sealed class Attachment(object device, DeviceTreeNode? fragment, DeviceGroup? group)
{
    public object Device { get; } = device;

    public DeviceTreeNode? Fragment { get; } = fragment;

    /// <summary>The memory device this LMB belongs to; null for single-connector devices.</summary>
    public DeviceGroup? Group { get; } = group;

    private FlatFragment? _flat;

    /// <summary>The flattened fragment, built on the first configure-connector call (as QEMU builds its fdt lazily).</summary>
    public FlatFragment? Flat => _flat ??= Fragment is null ? null : FlatFragment.From(Fragment);

    /// <summary>The flattened fragment if a configure-connector call built it already.</summary>
    public FlatFragment? FlatIfBuilt => _flat;
}
