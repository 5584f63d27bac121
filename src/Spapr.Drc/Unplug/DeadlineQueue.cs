namespace Spapr.Drc;

/// <summary>
/// The timer queue's entries in deadline order. Deadlines nearly always arrive in order: a request's deadline is
/// "now" plus its type's timeout, "now" only moves forward, and a machine uses a handful of timeouts. So an entry
/// whose key is not below the last key of a lane goes to the end of that lane (a FIFO ring, in key order by
/// construction), and the earliest entry is the least of the lanes' heads: O(1) and sequential in memory, where a
/// binary heap costs log n scattered reads per timeout (the reads that stop fitting in the cache as n grows). Only an
/// entry that would break every lane's order (a clock set back, a fifth distinct timeout in flight) goes to the heap.
/// Used only under the registry lock.
/// </summary>
internal sealed class DeadlineQueue
{
    private const int LaneCount = 4;

    private readonly Lane[] _lanes = [new(), new(), new(), new()];
    private readonly PriorityQueue<UnplugTimerQueue.Entry, UnplugTimerQueue.DeadlineKey> _heap = new();

    // Where the earliest entry is: a lane's number, or LaneCount for the heap, or -1 when empty. Kept current by every change.
    private int _first = -1;

    /// <summary>Entries queued, stale ones included.</summary>
    public int Count { get; private set; }

    /// <summary>Entries that went to the heap rather than a lane (for tests).</summary>
    internal int HeapCount => _heap.Count;

    /// <summary>Room for <paramref name="entries"/> entries in the first lane, the one a machine's most common timeout uses.</summary>
    public void EnsureCapacity(int entries) => _lanes[0].EnsureCapacity(entries);

    public void Enqueue(UnplugTimerQueue.Entry entry, UnplugTimerQueue.DeadlineKey key)
    {
        // A queue refilled in key order (a snapshot load) only ever appends to the first lane.
        if (_first == 0 && _lanes[1].Count == 0 && _lanes[2].Count == 0 && _lanes[3].Count == 0 && _heap.Count == 0
            && _lanes[0].Last.CompareTo(key) <= 0)
        {
            _lanes[0].Add(entry, key);
            Count++;
            return;
        }

        // The lane whose last key is the greatest one not above this key keeps the lanes apart (each timeout its own);
        // an empty lane takes what fits nowhere else.
        int best = -1, empty = -1;
        for (int i = 0; i < LaneCount; i++)
        {
            var lane = _lanes[i];
            if (lane.Count == 0)
            {
                empty = empty < 0 ? i : empty;
            }
            else if (lane.Last.CompareTo(key) <= 0 && (best < 0 || _lanes[best].Last.CompareTo(lane.Last) < 0))
            {
                best = i;
            }
        }

        int target = best >= 0 ? best : empty;
        if (target >= 0)
        {
            _lanes[target].Add(entry, key);
        }
        else
        {
            _heap.Enqueue(entry, key);
            target = LaneCount;
        }

        if (_first < 0 || key.CompareTo(KeyAt(_first)) < 0)
        {
            _first = target;
        }

        Count++;
    }

    /// <summary>The earliest entry.</summary>
    public bool TryPeek(out UnplugTimerQueue.Entry entry, out UnplugTimerQueue.DeadlineKey key)
    {
        if (_first < 0)
        {
            (entry, key) = (default, default);
            return false;
        }

        if (_first == LaneCount)
        {
            return _heap.TryPeek(out entry, out key);
        }

        (entry, key) = _lanes[_first].Head;
        return true;
    }

    /// <summary>Removes the earliest entry.</summary>
    public void Dequeue()
    {
        if (_first == LaneCount)
        {
            _heap.Dequeue();
        }
        else if (_first >= 0)
        {
            _lanes[_first].RemoveHead();
        }
        else
        {
            return;
        }

        Count--;
        FindFirst();
    }

    public void Clear()
    {
        foreach (var lane in _lanes)
        {
            lane.Clear();
        }

        _heap.Clear();
        _first = -1;
        Count = 0;
    }

    /// <summary>Drops every entry <paramref name="isLive"/> rejects, keeping the order of the rest.</summary>
    public void RemoveWhereNot(Func<UnplugTimerQueue.Entry, bool> isLive, List<(UnplugTimerQueue.Entry, UnplugTimerQueue.DeadlineKey)> scratch)
    {
        foreach (var lane in _lanes)
        {
            lane.RemoveWhereNot(isLive);
        }

        if (_heap.Count > 0)
        {
            foreach (var item in _heap.UnorderedItems)
            {
                if (isLive(item.Element))
                {
                    scratch.Add(item);
                }
            }

            // Into the heap's own array: an empty queue copies a collection in and heapifies it once.
            _heap.Clear();
            _heap.EnqueueRange(scratch);
            scratch.Clear();
        }

        Count = _heap.Count;
        foreach (var lane in _lanes)
        {
            Count += lane.Count;
        }

        FindFirst();
    }

    /// <summary>Counts the entries <paramref name="isLive"/> accepts.</summary>
    public int CountWhere(Func<UnplugTimerQueue.Entry, bool> isLive)
    {
        int count = 0;
        foreach (var lane in _lanes)
        {
            count += lane.CountWhere(isLive);
        }

        foreach (var (entry, _) in _heap.UnorderedItems)
        {
            count += isLive(entry) ? 1 : 0;
        }

        return count;
    }

    private UnplugTimerQueue.DeadlineKey KeyAt(int source) =>
        source == LaneCount ? (_heap.TryPeek(out _, out var key) ? key : default) : _lanes[source].Head.Key;

    private void FindFirst()
    {
        _first = -1;
        UnplugTimerQueue.DeadlineKey least = default;
        for (int i = 0; i < LaneCount; i++)
        {
            if (_lanes[i].Count > 0 && (_first < 0 || _lanes[i].Head.Key.CompareTo(least) < 0))
            {
                _first = i;
                least = _lanes[i].Head.Key;
            }
        }

        if (_heap.TryPeek(out _, out var top) && (_first < 0 || top.CompareTo(least) < 0))
        {
            _first = LaneCount;
        }
    }

    /// <summary>A FIFO ring whose keys never decrease from head to tail.</summary>
    private sealed class Lane
    {
        private (UnplugTimerQueue.Entry Entry, UnplugTimerQueue.DeadlineKey Key)[] _items = [];
        private int _head;

        public int Count { get; private set; }

        public (UnplugTimerQueue.Entry Entry, UnplugTimerQueue.DeadlineKey Key) Head => _items[_head];

        public UnplugTimerQueue.DeadlineKey Last => _items[(_head + Count - 1) % _items.Length].Key;

        public void EnsureCapacity(int capacity)
        {
            if (capacity > _items.Length)
            {
                Resize((int)Math.Min(Array.MaxLength, Math.Max(2L * _items.Length, capacity)));
            }
        }

        public void Add(UnplugTimerQueue.Entry entry, UnplugTimerQueue.DeadlineKey key)
        {
            if (Count == _items.Length)
            {
                Resize(Math.Max(16, (int)Math.Min(Array.MaxLength, 2L * _items.Length)));
            }

            int tail = _head + Count;
            _items[tail >= _items.Length ? tail - _items.Length : tail] = (entry, key);
            Count++;
        }

        public void RemoveHead()
        {
            _head = _head + 1 == _items.Length ? 0 : _head + 1;
            if (--Count == 0)
            {
                _head = 0;
            }
        }

        public void Clear()
        {
            _head = 0;
            Count = 0;
        }

        /// <summary>Keeps the live entries, in order, in place: the k-th kept entry moves to ring position k, which is never ahead of where it was read.</summary>
        public void RemoveWhereNot(Func<UnplugTimerQueue.Entry, bool> isLive)
        {
            int kept = 0;
            for (int i = 0; i < Count; i++)
            {
                var item = _items[(_head + i) % _items.Length];
                if (isLive(item.Entry))
                {
                    _items[(_head + kept) % _items.Length] = item;
                    kept++;
                }
            }

            Count = kept;
            if (kept == 0)
            {
                _head = 0;
            }
        }

        public int CountWhere(Func<UnplugTimerQueue.Entry, bool> isLive)
        {
            int count = 0;
            for (int i = 0; i < Count; i++)
            {
                count += isLive(_items[(_head + i) % _items.Length].Entry) ? 1 : 0;
            }

            return count;
        }

        private void Resize(int capacity)
        {
            var items = new (UnplugTimerQueue.Entry, UnplugTimerQueue.DeadlineKey)[capacity];
            for (int i = 0; i < Count; i++)
            {
                items[i] = _items[(_head + i) % _items.Length];
            }

            _items = items;
            _head = 0;
        }
    }
}
