using System.Runtime.InteropServices;

namespace Spapr.Drc;

/// <summary>
/// The connectors of one registry that may differ from their cold-plug state, and how many connectors hold a device.
/// A snapshot writes only connectors that differ from cold plug, and a load resets only those before applying the
/// stream, so both cost the changed connectors rather than the whole machine (16,384 LMBs, of which a few hundred
/// are in flux). Every write to a connector's state, indicator, cursor, device or request goes through
/// <see cref="SpaprDrc"/>'s setters, which enlist the connector here. A connector is listed at most once (its
/// <see cref="SpaprDrc.IsEnlisted"/> mark); one that went back to cold plug, or left the machine, stays until the next
/// prune: every save, and each time the list doubles. Used only under the registry lock.
/// </summary>
internal sealed class ChangedConnectors
{
    private const int MinimumPruneAt = 1024;

    private readonly List<SpaprDrc> _list = [];
    private int _pruneAt = MinimumPruneAt;
    private bool _sorted = true;

    /// <summary>How many connectors of the registry hold a device (released LMBs of a device still being removed do not).</summary>
    public int DeviceCount { get; private set; }

    /// <summary>Entries, stale ones included (for tests).</summary>
    public int Count => _list.Count;

    /// <summary>
    /// Makes room for every connector that holds a device, twice over (the list prunes when it doubles): a burst of
    /// unplug requests then enlists its connectors without growing the list.
    /// </summary>
    public void ReserveForDevices() => _list.EnsureCapacity(2 * DeviceCount);

    /// <summary>Enlists a connector whose state just changed. Amortized O(1); allocates only when the list grows.</summary>
    public void Enlist(SpaprDrc drc)
    {
        drc.IsEnlisted = true;
        if (_list.Count > 0 && _list[^1].Index.Value > drc.Index.Value)
        {
            _sorted = false;
        }

        _list.Add(drc);

        // Connectors that went back to cold plug (a finished unplug, a reset) or left the machine (PCI slots of a
        // released PHB, which never change again) would pile up between saves: drop them each time the list doubles.
        if (_list.Count >= _pruneAt)
        {
            Prune();
            _pruneAt = Math.Max(MinimumPruneAt, 2 * _list.Count);
        }
    }

    /// <summary>
    /// How many connectors the guest released while their device's removal is still under way (owned, not held): a
    /// snapshot load counts them back, since the destination's baseline holds every connector of a device.
    /// </summary>
    public int ReleasedOwnedCount { get; private set; }

    /// <summary>A connector gained (+1) or lost (-1) its device.</summary>
    public void DeviceCountChanged(int delta) => DeviceCount += delta;

    /// <summary>A connector was released while its device stays (+1), or held again or freed (-1).</summary>
    public void ReleasedOwnedChanged(int delta) => ReleasedOwnedCount += delta;

    /// <summary>A snapshot load sets both counts from what it applied.</summary>
    public void SetCounts(int devices, int releasedOwned)
    {
        DeviceCount = devices;
        ReleasedOwnedCount = releasedOwned;
    }

    /// <summary>
    /// The connectors not in their cold-plug state, in index order, and nothing else: stale entries are dropped
    /// first. The span is valid until the next change.
    /// </summary>
    public ReadOnlySpan<SpaprDrc> Current()
    {
        var none = default(NoVisitor);
        return Current(ref none);
    }

    /// <summary>
    /// <see cref="Current()"/>, showing each connector it keeps to <paramref name="visitor"/> in the same pass (a
    /// save sizes its sections there instead of walking the connectors once more). The visiting order is not the
    /// index order.
    /// </summary>
    public ReadOnlySpan<SpaprDrc> Current<TVisitor>(scoped ref TVisitor visitor)
        where TVisitor : struct, IVisitor
    {
        Prune(ref visitor);
        if (!_sorted)
        {
            _list.Sort(static (a, b) => a.Index.Value.CompareTo(b.Index.Value));
            _sorted = true;
        }

        return CollectionsMarshal.AsSpan(_list);
    }

    /// <summary>The enlisted connectors, stale ones included, in no particular order; valid until the next change.</summary>
    public ReadOnlySpan<SpaprDrc> Enlisted() => CollectionsMarshal.AsSpan(_list);

    /// <summary>The enlisted connectors in index order, stale ones included (no prune: a load resets them anyway).</summary>
    public ReadOnlySpan<SpaprDrc> EnlistedInOrder()
    {
        if (!_sorted)
        {
            _list.Sort(static (a, b) => a.Index.Value.CompareTo(b.Index.Value));
            _sorted = true;
        }

        return CollectionsMarshal.AsSpan(_list);
    }

    /// <summary>
    /// Takes <paramref name="connectors"/> as the list, in index order, without touching them: the caller already set
    /// each one's mark (a snapshot load sets it as it restores each connector, and cleared the old ones' marks).
    /// </summary>
    public void ReplaceMarked(ReadOnlySpan<SpaprDrc> connectors)
    {
        _list.Clear();
        _list.AddRange(connectors);
        _sorted = true;
        _pruneAt = Math.Max(MinimumPruneAt, 2 * _list.Count);
    }

    /// <summary>Replaces the list with exactly these connectors (a snapshot load knows which ones it set).</summary>
    /// <param name="connectors">The connectors, in index order.</param>
    public void ReplaceWith(ReadOnlySpan<SpaprDrc> connectors)
    {
        foreach (var drc in _list)
        {
            drc.IsEnlisted = false;
        }

        _list.Clear();
        foreach (var drc in connectors)
        {
            if (!drc.IsEnlisted)
            {
                drc.IsEnlisted = true;
                _list.Add(drc);
            }
        }

        _sorted = true;
        _pruneAt = Math.Max(MinimumPruneAt, 2 * _list.Count);
    }

    /// <summary>A connector left the machine (a PHB took its PCI slots along); its device was let go of first.</summary>
    public static void Removed(SpaprDrc drc) => drc.IsRemoved = true;

    private void Prune()
    {
        var none = default(NoVisitor);
        Prune(ref none);
    }

    private void Prune<TVisitor>(ref TVisitor visitor)
        where TVisitor : struct, IVisitor
    {
        var list = CollectionsMarshal.AsSpan(_list);
        int kept = 0;
        foreach (var drc in list)
        {
            if (drc.IsRemoved || drc.IsInColdPlugState)
            {
                drc.IsEnlisted = false;
            }
            else
            {
                list[kept++] = drc;
                visitor.Visit(drc);
            }
        }

        _list.RemoveRange(kept, _list.Count - kept);
    }

    /// <summary>Sees each connector a prune keeps.</summary>
    internal interface IVisitor
    {
        void Visit(SpaprDrc drc);
    }

    private struct NoVisitor : IVisitor
    {
        public readonly void Visit(SpaprDrc drc)
        {
        }
    }
}
