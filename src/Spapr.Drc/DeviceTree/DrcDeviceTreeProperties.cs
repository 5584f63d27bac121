namespace Spapr.Drc;

/// <summary>
/// The four <c>ibm,drc-*</c> properties of a device-tree node (SPEC section 8), each a big-endian u32 count followed
/// by its entries; entry i of every array describes the same connector, in index order.
/// </summary>
public sealed class DrcDeviceTreeProperties
{
    internal DrcDeviceTreeProperties(byte[] indexes, byte[] powerDomains, byte[] names, byte[] types)
    {
        Indexes = indexes;
        PowerDomains = powerDomains;
        Names = names;
        Types = types;
    }

    /// <summary><c>ibm,drc-indexes</c>: the u32 indexes.</summary>
    public ReadOnlyMemory<byte> Indexes { get; }

    /// <summary><c>ibm,drc-power-domains</c>: 0xFFFFFFFF (live insertion) for each connector.</summary>
    public ReadOnlyMemory<byte> PowerDomains { get; }

    /// <summary><c>ibm,drc-names</c>: NUL-terminated names.</summary>
    public ReadOnlyMemory<byte> Names { get; }

    /// <summary><c>ibm,drc-types</c>: NUL-terminated type strings.</summary>
    public ReadOnlyMemory<byte> Types { get; }

    /// <summary>The four properties with their names, in QEMU's order: ibm,drc-indexes, -power-domains, -names, -types.</summary>
    /// <returns>Properties to add to the node the connectors are listed under.</returns>
    public IReadOnlyList<DeviceTreeProperty> ToDeviceTreeProperties() =>
    [
        new("ibm,drc-indexes", Indexes.Span),
        new("ibm,drc-power-domains", PowerDomains.Span),
        new("ibm,drc-names", Names.Span),
        new("ibm,drc-types", Types.Span),
    ];
}
