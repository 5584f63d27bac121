namespace Spapr.Drc.Tests.Support;

/// <summary>Device-tree fragments whose configure-connector walks the tests know by heart.</summary>
internal static class Fragments
{
    /// <summary>One node with one property: configure-connector gives 2, 3, 0.</summary>
    public static DeviceTreeNode Simple(string name = "dev@1") => new DeviceTreeNode(name).Add(DeviceTreeProperty.FromCells("reg", 1));

    /// <summary>A named node with two properties and a child with one (the snapshot tests' fragment): 2, 3, 3, 2, 3, 4, 0.</summary>
    public static DeviceTreeNode Nested(string name) =>
        new DeviceTreeNode(name)
            .Add(DeviceTreeProperty.FromCells("reg", 1, 2))
            .Add(DeviceTreeProperty.FromString("compatible", "test"))
            .Add(new DeviceTreeNode("child").Add(DeviceTreeProperty.FromCells("x", 7)));

    /// <summary>A node with two properties and a child with one: 2, 3, 3, 2, 3, 4, 0.</summary>
    public static DeviceTreeNode WithChild() =>
        new DeviceTreeNode("cpu@8")
            .Add(DeviceTreeProperty.FromCells("reg", 0x11223344))
            .Add(DeviceTreeProperty.FromString("device_type", "cpu"))
            .Add(new DeviceTreeNode("l2-cache@0").Add(DeviceTreeProperty.FromCells("cache-size", 0x00080000, 0x40)));
}
