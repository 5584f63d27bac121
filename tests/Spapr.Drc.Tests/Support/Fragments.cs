namespace Spapr.Drc.Tests.Support;

internal static class Fragments
{
    /// <summary>One node with one property: configure-connector gives 2, 3, 0.</summary>
    public static DeviceTreeNode Simple() => new DeviceTreeNode("dev@1").Add(DeviceTreeProperty.FromCells("reg", 1));

    /// <summary>A node with two properties and a child with one: 2, 3, 3, 2, 3, 4, 0.</summary>
    public static DeviceTreeNode WithChild() =>
        new DeviceTreeNode("cpu@8")
            .Add(DeviceTreeProperty.FromCells("reg", 0x11223344))
            .Add(DeviceTreeProperty.FromString("device_type", "cpu"))
            .Add(new DeviceTreeNode("l2-cache@0").Add(DeviceTreeProperty.FromCells("cache-size", 0x00080000, 0x40)));
}
