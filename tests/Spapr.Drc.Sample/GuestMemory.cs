namespace Spapr.Drc.Sample;

/// <summary>
/// Guest RAM: one byte array at guest physical address 0. The RTAS dispatcher reads the guest's argument buffers and
/// writes its results through <see cref="IGuestMemory"/>; an access outside the array fails instead of throwing.
/// </summary>
public sealed class GuestMemory(int size) : IGuestMemory
{
    private readonly byte[] _ram = new byte[size];

    /// <summary>The guest's own view of its memory (what a vCPU's loads and stores reach).</summary>
    public Span<byte> Span(ulong address, int length) => _ram.AsSpan(checked((int)address), length);

    public bool TryRead(ulong address, Span<byte> destination)
    {
        if (!Contains(address, destination.Length))
        {
            return false;
        }

        _ram.AsSpan((int)address, destination.Length).CopyTo(destination);
        return true;
    }

    public bool TryWrite(ulong address, ReadOnlySpan<byte> source)
    {
        if (!Contains(address, source.Length))
        {
            return false;
        }

        source.CopyTo(_ram.AsSpan((int)address));
        return true;
    }

    private bool Contains(ulong address, int length) =>
        address <= (ulong)_ram.Length && (ulong)length <= (ulong)_ram.Length - address;
}
