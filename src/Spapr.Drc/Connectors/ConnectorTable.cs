using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Spapr.Drc;

/// <summary>
/// The registry's index-to-connector map, with a lock-free read path for the guest's RTAS lookups.
/// Writers (under the registry lock) use it like a dictionary. Readers without the lock get a dictionary that is
/// never written again: the first lock-free read after a write publishes the current dictionary, and the next
/// write copies it before changing anything (copy on write, at most one copy per write after a read).
/// Writes are rare (machine creation, a PHB taking its slots along) and usually come in bursts without reads in
/// between, so bulk creation copies nothing and a stable machine is read at plain dictionary speed.
/// </summary>
internal sealed class ConnectorTable(SyncLock sync)
{
    private Dictionary<uint, SpaprDrc> _map = [];

    // The dictionary lock-free readers may hold; when it is _map, _map must be copied before it is written.
    private volatile Dictionary<uint, SpaprDrc>? _published;

    public int Count => _map.Count;

    public Dictionary<uint, SpaprDrc>.ValueCollection Values => _map.Values;

    public Dictionary<uint, SpaprDrc>.KeyCollection Keys => _map.Keys;

    public SpaprDrc this[uint index] => _map[index];

    /// <summary>A lookup without the registry lock: sees every write that completed before it started.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetShared(uint index, [NotNullWhen(true)] out SpaprDrc? drc) =>
        (_published ?? Publish()).TryGetValue(index, out drc);

    public bool TryGetValue(uint index, [NotNullWhen(true)] out SpaprDrc? drc) => _map.TryGetValue(index, out drc);

    public bool ContainsKey(uint index) => _map.ContainsKey(index);

    public Dictionary<uint, SpaprDrc>.Enumerator GetEnumerator() => _map.GetEnumerator();

    public int EnsureCapacity(int capacity)
    {
        BeforeWrite();
        return _map.EnsureCapacity(capacity);
    }

    public void Add(uint index, SpaprDrc drc)
    {
        BeforeWrite();
        _map.Add(index, drc);
    }

    public bool Remove(uint index)
    {
        BeforeWrite();
        return _map.Remove(index);
    }

    public void Clear()
    {
        BeforeWrite();
        _map.Clear();
    }

    private Dictionary<uint, SpaprDrc> Publish()
    {
        lock (sync)
        {
            _published = _map;
            return _map;
        }
    }

    /// <summary>Runs under the registry lock before any change: readers keep the old dictionary, unchanged.</summary>
    private void BeforeWrite()
    {
        if (_published is not null)
        {
            _map = new Dictionary<uint, SpaprDrc>(_map);
            _published = null;
        }
    }
}
