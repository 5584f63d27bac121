namespace Spapr.Drc;

public sealed partial class DrcRegistry
{
    /// <summary>
    /// The ibm,drc-indexes, -power-domains, -names and -types properties for the connectors whose type is in
    /// <paramref name="typeMask"/> (see <see cref="DrcTypeInfo.MaskOf"/>) and, if given, whose owner is <paramref name="owner"/>;
    /// in index order (deterministic, unlike QEMU 7.2's hash order).
    /// </summary>
    /// <param name="typeMask">An OR of type mask bits.</param>
    /// <param name="owner">Only connectors owned by this one (a PHB's slots); <see langword="null"/> for all.</param>
    /// <returns>The four properties.</returns>
    public DrcDeviceTreeProperties GetDeviceTreeProperties(uint typeMask, DrcIndex? owner = null) =>
        DeviceTreeWriter.Properties(Select(typeMask, owner));

    /// <summary>
    /// The ibm,drc-info property (beyond QEMU): a u32 record count, then per run of sequential indexes of one type:
    /// type string, name prefix string, first index, first name suffix, count, increment 1, power domain -1.
    /// </summary>
    /// <param name="typeMask">An OR of type mask bits.</param>
    /// <param name="owner">Only connectors owned by this one; <see langword="null"/> for all.</param>
    /// <returns>The property value.</returns>
    public byte[] GetDrcInfo(uint typeMask, DrcIndex? owner = null) => DeviceTreeWriter.DrcInfo(Select(typeMask, owner));

    private List<SpaprDrc> Select(uint typeMask, DrcIndex? owner)
    {
        lock (_sync)
        {
            var selected = new List<SpaprDrc>();
            foreach (var drc in Ordered())
            {
                if ((DrcTypeInfo.MaskOf(drc.Type) & typeMask) != 0 && (owner is null || drc.Owner == owner))
                {
                    selected.Add(drc);
                }
            }

            return selected;
        }
    }
}
