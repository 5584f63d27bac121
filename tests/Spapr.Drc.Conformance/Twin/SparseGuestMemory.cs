namespace Spapr.Drc.Conformance.Twin;

/// <summary>
/// The library side's guest RAM, shaped like the QEMU machine's: <c>-m 2G</c> from address 0, nothing above (the
/// hot-pluggable region holds no DIMM). Pages are allocated on first write; untouched RAM reads as zero, as QEMU's
/// does. Accesses that leave the RAM fail, which is what the dispatcher is given to handle.
/// </summary>
internal sealed class SparseGuestMemory : IGuestMemory
{
    public const ulong Size = 2UL << 30;
    private const int PageSize = 4096;
    private readonly Dictionary<ulong, byte[]> _pages = [];

    public bool TryRead(ulong address, Span<byte> destination)
    {
        if (!Contains(address, destination.Length))
        {
            return false;
        }

        for (int done = 0; done < destination.Length;)
        {
            ulong at = address + (ulong)done;
            int offset = (int)(at % PageSize);
            int chunk = Math.Min(PageSize - offset, destination.Length - done);
            if (_pages.TryGetValue(at / PageSize, out var page))
            {
                page.AsSpan(offset, chunk).CopyTo(destination[done..]);
            }
            else
            {
                destination.Slice(done, chunk).Clear();
            }

            done += chunk;
        }

        return true;
    }

    public bool TryWrite(ulong address, ReadOnlySpan<byte> source)
    {
        if (!Contains(address, source.Length))
        {
            return false;
        }

        for (int done = 0; done < source.Length;)
        {
            ulong at = address + (ulong)done;
            int offset = (int)(at % PageSize);
            int chunk = Math.Min(PageSize - offset, source.Length - done);
            if (!_pages.TryGetValue(at / PageSize, out var page))
            {
                page = new byte[PageSize];
                _pages.Add(at / PageSize, page);
            }

            source.Slice(done, chunk).CopyTo(page.AsSpan(offset));
            done += chunk;
        }

        return true;
    }

    /// <summary>What a guest store would do: the part inside RAM is written, the rest dropped (as QEMU drops it).</summary>
    public void Store(ulong address, ReadOnlySpan<byte> data)
    {
        if (address >= Size)
        {
            return;
        }

        TryWrite(address, data[..(int)Math.Min((ulong)data.Length, Size - address)]);
    }

    /// <summary>What a guest load would see: RAM bytes, zero outside it.</summary>
    public byte[] Load(ulong address, int length)
    {
        var bytes = new byte[length];
        if (address < Size)
        {
            TryRead(address, bytes.AsSpan(0, (int)Math.Min((ulong)length, Size - address)));
        }

        return bytes;
    }

    private static bool Contains(ulong address, int length) => address <= Size && (ulong)length <= Size - address;
}
