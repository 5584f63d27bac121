namespace Spapr.Drc;

public sealed partial class DrcRegistry
{
    /// <summary>
    /// The ibm,drc-indexes, -power-domains, -names and -types properties for the connectors whose type is in
    /// <paramref name="types"/> and, if given, whose owner is <paramref name="owner"/>; in index order (deterministic,
    /// unlike QEMU 7.2's hash order).
    /// </summary>
    /// <param name="types">The connector types to list.</param>
    /// <param name="owner">Only connectors owned by this one (a PHB's slots); <see langword="null"/> for all.</param>
    /// <returns>The four properties.</returns>
    public DrcDeviceTreeProperties GetDeviceTreeProperties(DrcTypeMask types, DrcIndex? owner = null) =>
        DeviceTreeWriter.Properties(Select(types, owner));

    /// <summary>
    /// The ibm,drc-info property (beyond QEMU): a u32 record count, then per run of sequential indexes of one type:
    /// type string, name prefix string, first index, first name suffix, count, increment 1, power domain -1.
    /// </summary>
    /// <param name="types">The connector types to list.</param>
    /// <param name="owner">Only connectors owned by this one; <see langword="null"/> for all.</param>
    /// <returns>The property value.</returns>
    public byte[] GetDrcInfo(DrcTypeMask types, DrcIndex? owner = null) => DeviceTreeWriter.DrcInfo(Select(types, owner));

    private List<SpaprDrc> Select(DrcTypeMask types, DrcIndex? owner) => _core.Host((types, owner?.Value ?? 0), static (core, a) =>
    {
        var selected = new List<SpaprDrc>();
        foreach (var drc in core.Ordered())
        {
            if ((drc.Kind.Mask & a.types) != 0 && (a.Item2 == 0 || drc.OwnerValue == a.Item2))
            {
                selected.Add(drc);
            }
        }

        return selected;
    });
}
