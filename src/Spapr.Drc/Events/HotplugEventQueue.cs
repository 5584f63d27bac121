namespace Spapr.Drc;

/// <summary>
/// The machine-wide FIFO of hotplug events (SPEC section 4). The guest takes the first event of a class it asks for,
/// nearly always the oldest: taking that one moves a head index instead of shifting the list, and the classes still
/// queued are counted as events come and go, so draining 16,384 events (one per LMB device) is linear, not quadratic.
/// Used only under the registry lock.
/// </summary>
internal sealed class HotplugEventQueue
{
    private const int MinimumCompaction = 1024;

    private readonly List<HotplugEvent> _items = [];
    private int _head;
    private int _hotplugClass;
    private int _epowClass;

    /// <summary>Events queued.</summary>
    public int Count => _items.Count - _head;

    /// <summary>The classes that still hold events (what event-scan reports).</summary>
    public RtasEventClasses PendingClasses =>
        (_hotplugClass > 0 ? RtasEventClasses.Hotplug : RtasEventClasses.None) | (_epowClass > 0 ? RtasEventClasses.Epow : RtasEventClasses.None);

    /// <summary>The events, oldest first; valid until the next change.</summary>
    public ReadOnlySpan<HotplugEvent> Items => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_items)[_head..];

    public void Add(HotplugEvent e)
    {
        _items.Add(e);
        Counted(e.EventClass, +1);
    }

    public void AddRange(IEnumerable<HotplugEvent> events)
    {
        foreach (var e in events)
        {
            Add(e);
        }
    }

    public void Clear()
    {
        _items.Clear();
        _head = 0;
        _hotplugClass = 0;
        _epowClass = 0;
    }

    /// <summary>The oldest event whose class is in <paramref name="mask"/>, and where it is; <see langword="null"/> if none.</summary>
    public HotplugEvent? Peek(uint mask, out int position)
    {
        for (position = _head; position < _items.Count; position++)
        {
            if (((uint)_items[position].EventClass & mask) != 0)
            {
                return _items[position];
            }
        }

        return null;
    }

    /// <summary>Removes the event <see cref="Peek"/> found at <paramref name="position"/>.</summary>
    public void RemoveAt(int position)
    {
        Counted(_items[position].EventClass, -1);
        if (position != _head)
        {
            _items.RemoveAt(position);
            return;
        }

        _items[_head++] = null!;
        if (_head == _items.Count)
        {
            _items.Clear();
            _head = 0;
        }
        else if (_head >= MinimumCompaction && _head * 2 >= _items.Count)
        {
            // Taken events leave empty slots at the front: drop them once they are half the list (amortized O(1)).
            _items.RemoveRange(0, _head);
            _head = 0;
        }
    }

    private void Counted(RtasEventClasses eventClass, int delta)
    {
        if (eventClass == RtasEventClasses.Hotplug)
        {
            _hotplugClass += delta;
        }
        else
        {
            _epowClass += delta;
        }
    }
}
