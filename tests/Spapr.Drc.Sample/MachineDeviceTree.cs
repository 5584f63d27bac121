namespace Spapr.Drc.Sample;

/// <summary>
/// The parts of the guest's device tree that come from the library: the RTAS call tokens in <c>/rtas</c>, the
/// <c>ibm,drc-*</c> arrays that tell the guest which connectors exist (CPU under <c>/cpus</c>, PHB at the root, PCI
/// under each host bridge), and <c>ibm,dynamic-reconfiguration-memory</c> for the LMBs. A real machine puts much
/// more in its tree; the guest reads these to find its tokens and connectors.
/// </summary>
public static class MachineDeviceTree
{
    public static DeviceTreeNode Build(Machine machine, DynamicMemoryOptions memoryLayout)
    {
        var registry = machine.Registry;
        var rtas = new DeviceTreeNode("rtas");
        foreach (var property in machine.Rtas.Tokens.GetDeviceTreeProperties())
        {
            rtas.Add(property);
        }

        var root = new DeviceTreeNode("/").Add(rtas);
        AddDrcProperties(root, registry.GetDeviceTreeProperties(DrcTypeMask.Phb));
        root.Add(AddDrcProperties(new DeviceTreeNode("cpus"), registry.GetDeviceTreeProperties(DrcTypeMask.Cpu)));
        root.Add(DynamicReconfigurationMemory.Build(registry, memoryLayout));
        foreach (var bridge in machine.Configuration.HostBridges.Where(b => registry[b.Connector].Device is not null))
        {
            // Each bridge lists only its own slots: owner = its PHB connector.
            var node = new DeviceTreeNode(DeviceFragments.HostBridge(bridge.Connector).Name);
            root.Add(AddDrcProperties(node, registry.GetDeviceTreeProperties(DrcTypeMask.Pci, owner: bridge.Connector)));
        }

        return root;
    }

    private static DeviceTreeNode AddDrcProperties(DeviceTreeNode node, DrcDeviceTreeProperties drcs) =>
        node.Add(new DeviceTreeProperty("ibm,drc-indexes", drcs.Indexes.Span))
            .Add(new DeviceTreeProperty("ibm,drc-power-domains", drcs.PowerDomains.Span))
            .Add(new DeviceTreeProperty("ibm,drc-names", drcs.Names.Span))
            .Add(new DeviceTreeProperty("ibm,drc-types", drcs.Types.Span));
}
