using System.Runtime.InteropServices;

namespace Spapr.Drc;

/// <summary>
/// The machine-wide FIFO of hotplug events (SPEC section 4) as flat records. The guest takes the first event of a
/// class it asks for, nearly always the oldest: taking that one moves a head index instead of shifting the list, and
/// the classes still queued are counted as events come and go, so draining 16,384 events (one per LMB device) is
/// linear, not quadratic. Owned by the unplug coordinator; used only under the registry lock.
/// </summary>
internal sealed class HotplugEventQueue
{
    private const int MinimumCompaction = 1024;

    private readonly List<HotplugEventRecord> _items = [];
    private int _head;
    private int _hotplugClass;
    private int _epowClass;

    /// <summary>Events queued.</summary>
    public int Count => _items.Count - _head;

    /// <summary>The classes that still hold events (what event-scan reports).</summary>
    public RtasEventClasses PendingClasses =>
        (_hotplugClass > 0 ? RtasEventClasses.Hotplug : RtasEventClasses.None) | (_epowClass > 0 ? RtasEventClasses.Epow : RtasEventClasses.None);

    /// <summary>The events, oldest first; valid until the next change.</summary>
    public ReadOnlySpan<HotplugEventRecord> Items => CollectionsMarshal.AsSpan(_items)[_head..];

    /// <summary>Makes room for <paramref name="events"/> more events than are queued now.</summary>
    public void EnsureRoomFor(int events)
    {
        long needed = (long)_items.Count + events;
        if (needed > _items.Capacity)
        {
            _items.Capacity = (int)Math.Min(Array.MaxLength, Math.Max(2L * _items.Capacity, needed));
        }
    }

    public void Add(in HotplugEventRecord e)
    {
        _items.Add(e);
        Counted(e.EventClass, +1);
    }

    /// <summary>Replaces the queue (a snapshot load).</summary>
    public void ReplaceWith(ReadOnlySpan<HotplugEventRecord> events)
    {
        Clear();
        _items.AddRange(events);
        foreach (var e in events)
        {
            Counted(e.EventClass, +1);
        }
    }

    public void Clear()
    {
        _items.Clear();
        _head = 0;
        _hotplugClass = 0;
        _epowClass = 0;
    }

    /// <summary>The position of the oldest event whose class is in <paramref name="mask"/>; -1 if none.</summary>
    public int Find(uint mask)
    {
        var items = CollectionsMarshal.AsSpan(_items);
        for (int position = _head; position < items.Length; position++)
        {
            if (((uint)items[position].EventClass & mask) != 0)
            {
                return position;
            }
        }

        return -1;
    }

    public HotplugEventRecord At(int position) => _items[position];

    /// <summary>Removes the event <see cref="Find"/> found at <paramref name="position"/>.</summary>
    public void RemoveAt(int position)
    {
        Counted(_items[position].EventClass, -1);
        if (position != _head)
        {
            _items.RemoveAt(position);
            return;
        }

        _head++;
        if (_head == _items.Count)
        {
            _items.Clear();
            _head = 0;
        }
        else if (_head >= MinimumCompaction && _head * 2 >= _items.Count)
        {
            // Taken events leave dead slots at the front: drop them once they are half the list (amortized O(1)).
            _items.RemoveRange(0, _head);
            _head = 0;
        }
    }

    /// <summary>Drops every event naming a connector <paramref name="exists"/> says is gone (connectors removed with their owner).</summary>
    public int RemoveNamingMissing(Func<uint, bool> exists)
    {
        int removed = 0;
        for (int position = _items.Count - 1; position >= _head; position--)
        {
            var e = _items[position];
            if (e.HasIndex && !exists(e.Index))
            {
                Counted(e.EventClass, -1);
                _items.RemoveAt(position);
                removed++;
            }
        }

        return removed;
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
