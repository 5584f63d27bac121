namespace Spapr.Drc;

/// <summary>
/// The pending unplug requests of one registry as an array of <see cref="UnplugRequestRecord"/> structs indexed by
/// slot, with a free list: a request costs a slot, not objects, and 131,072 of them sit in one dense array instead of
/// scattered through the heap. Slot 0 is never used, so 0 means "no request" wherever a slot is stored. Used only
/// under the registry lock.
/// </summary>
internal sealed class UnplugRequestTable
{
    /// <summary>The tick value that stands for "no time": no deadline, Remove event not taken.</summary>
    public const long NoTicks = long.MinValue;

    private UnplugRequestRecord[] _records = new UnplugRequestRecord[16];
    private int _freeHead;
    private int _highWater = 1;
    private int _staleUpTo = 1;

    /// <summary>Requests in the table.</summary>
    public int Count { get; private set; }

    /// <summary>One past the highest slot ever used: live slots are in 1 .. <see cref="HighWater"/> - 1.</summary>
    public int HighWater => _highWater;

    public ref UnplugRequestRecord this[int slot] => ref _records[slot];

    /// <summary>Whether a slot holds a request.</summary>
    public bool IsLive(int slot) => (uint)slot < (uint)_highWater && slot != 0 && _records[slot].Id != 0;

    /// <summary>Makes room for <paramref name="requests"/> requests at once (doubling, so attaching device after device stays amortized O(1)).</summary>
    public void EnsureCapacity(int requests)
    {
        // Slot 0 is never used.
        if (requests >= _records.Length)
        {
            Array.Resize(ref _records, (int)Math.Min(Array.MaxLength, Math.Max(2L * _records.Length, requests + 1L)));
        }
    }

    /// <summary>Takes a free slot for request <paramref name="id"/>; amortized O(1), allocating only when the array grows.</summary>
    public int Add(long id, AttachedDevice device, long requestedAtTicks, long timeoutTicks)
    {
        int slot;
        if (_freeHead != 0)
        {
            slot = _freeHead;
            _freeHead = _records[slot].NextFree;
        }
        else
        {
            if (_highWater == _records.Length)
            {
                Array.Resize(ref _records, _records.Length * 2);
            }

            slot = _highWater++;
        }

        // Field by field through a reference: assigning a whole struct that holds an object reference goes through the
        // runtime's barriered bulk copy, which cost more than the rest of a request together.
        ref var record = ref _records[slot];
        record.Id = id;
        record.Device = device;
        record.Waiting = 0;
        record.FirstIndex = device.Index.Value;
        record.ConnectorCount = device.ConnectorCount;
        record.Retries = 0;
        record.RequestedAtTicks = requestedAtTicks;
        record.TimeoutTicks = timeoutTicks;
        record.DeadlineTicks = NoTicks;
        record.ArmSequence = 0;
        record.RemoveTakenAtTicks = NoTicks;
        record.TimedOut = false;
        record.NextFree = 0;
        Count++;
        return slot;
    }

    /// <summary>Frees a slot; a timer entry still naming it is recognised as stale by its id.</summary>
    public void Remove(int slot)
    {
        ref var record = ref _records[slot];
        record.Id = 0;
        record.Device = null;
        record.NextFree = _freeHead;
        _freeHead = slot;
        Count--;
    }

    /// <summary>
    /// Drops every request (a snapshot load replaces them) and makes room for <paramref name="capacity"/>. The slots are
    /// not cleared: <see cref="Add"/> overwrites each one it hands out, and <see cref="DropStale"/> clears what is left
    /// above the new high-water mark once the load added its requests.
    /// </summary>
    public void Clear(int capacity)
    {
        if (_records.Length <= capacity)
        {
            _records = new UnplugRequestRecord[Math.Max(16, (int)Math.Min(Array.MaxLength, 2L * (capacity + 1)))];
            _staleUpTo = 1;
        }
        else
        {
            _staleUpTo = Math.Max(_staleUpTo, _highWater);
        }

        _freeHead = 0;
        _highWater = 1;
        Count = 0;
    }

    /// <summary>Clears the slots a <see cref="Clear"/> left above the high-water mark, so they hold no device any more.</summary>
    public void DropStale()
    {
        if (_staleUpTo > _highWater)
        {
            Array.Clear(_records, _highWater, _staleUpTo - _highWater);
        }

        _staleUpTo = 1;
    }
}
