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

    /// <summary>Requests in the table.</summary>
    public int Count { get; private set; }

    /// <summary>One past the highest slot ever used: live slots are in 1 .. <see cref="HighWater"/> - 1.</summary>
    public int HighWater => _highWater;

    public ref UnplugRequestRecord this[int slot] => ref _records[slot];

    /// <summary>Whether a slot holds a request.</summary>
    public bool IsLive(int slot) => (uint)slot < (uint)_highWater && slot != 0 && _records[slot].Id != 0;

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

        _records[slot] = new UnplugRequestRecord
        {
            Id = id,
            Device = device,
            RequestedAtTicks = requestedAtTicks,
            TimeoutTicks = timeoutTicks,
            DeadlineTicks = NoTicks,
            RemoveTakenAtTicks = NoTicks,
        };
        Count++;
        return slot;
    }

    /// <summary>Frees a slot; a timer entry still naming it is recognised as stale by its id.</summary>
    public void Remove(int slot)
    {
        _records[slot] = new UnplugRequestRecord { NextFree = _freeHead };
        _freeHead = slot;
        Count--;
    }

    /// <summary>Drops every request (a snapshot load replaces them) and makes room for <paramref name="capacity"/>.</summary>
    public void Clear(int capacity)
    {
        Array.Clear(_records, 0, _highWater);
        if (_records.Length <= capacity)
        {
            _records = new UnplugRequestRecord[Math.Max(16, (int)Math.Min(Array.MaxLength, 2L * (capacity + 1)))];
        }

        _freeHead = 0;
        _highWater = 1;
        Count = 0;
    }
}
