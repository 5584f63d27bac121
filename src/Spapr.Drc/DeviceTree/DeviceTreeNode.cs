namespace Spapr.Drc;

/// <summary>
/// A device-tree node the emulator builds for a device: what ibm,configure-connector hands to the guest,
/// depth-first (the node, its properties, then its children).
/// </summary>
public sealed class DeviceTreeNode
{
    private readonly List<DeviceTreeProperty> _properties = [];
    private readonly List<DeviceTreeNode> _children = [];

    /// <summary>Creates a node.</summary>
    /// <param name="name">The node name, e.g. <c>PowerPC,POWER9@8</c>.</param>
    public DeviceTreeNode(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    /// <summary>The node name.</summary>
    public string Name { get; }

    /// <summary>The properties, in the order the guest receives them.</summary>
    public IReadOnlyList<DeviceTreeProperty> Properties => _properties;

    /// <summary>The child nodes, in the order the guest receives them.</summary>
    public IReadOnlyList<DeviceTreeNode> Children => _children;

    /// <summary>Adds a property.</summary>
    /// <param name="property">The property.</param>
    /// <returns>This node, for chaining.</returns>
    public DeviceTreeNode Add(DeviceTreeProperty property)
    {
        ArgumentNullException.ThrowIfNull(property);
        _properties.Add(property);
        return this;
    }

    /// <summary>Adds a child node.</summary>
    /// <param name="child">The child.</param>
    /// <returns>This node, for chaining.</returns>
    public DeviceTreeNode Add(DeviceTreeNode child)
    {
        ArgumentNullException.ThrowIfNull(child);
        _children.Add(child);
        return this;
    }
}
