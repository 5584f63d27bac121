namespace Spapr.Drc.Sample;

/// <summary>A PCI host bridge of the machine: its PHB connector, and how many PCI slots it has while it is plugged.</summary>
/// <param name="Id">The PHB index, the PHB connector's id.</param>
/// <param name="Slots">Its PCI slots; their connectors exist only while a bridge device is plugged.</param>
public sealed record HostBridgeConfiguration(uint Id, int Slots)
{
    /// <summary>The PHB connector.</summary>
    public DrcIndex Connector => DrcIndex.From(DrcType.Phb, Id);

    /// <summary>
    /// The connector of function 0 of a slot. PCI connector ids follow QEMU's convention,
    /// (phb &lt;&lt; 16) | (chassis &lt;&lt; 8) | devfn, with chassis 0 and devfn = slot &lt;&lt; 3 (function 0).
    /// </summary>
    public DrcIndex SlotConnector(int slot) => DrcIndex.From(DrcType.Pci, (Id << 16) | ((uint)slot << 3));
}
