namespace Spapr.Drc;

/// <summary>
/// The guest's physical memory as <see cref="RtasDispatcher"/> reads and writes it; the emulator implements it over its
/// own memory map. Both methods are called on the vCPU thread that made the RTAS call, outside the registry's lock, and
/// may be called concurrently from several vCPUs.
/// </summary>
/// <remarks>
/// An access is all or nothing: return <see langword="false"/> (never throw) when any byte of the range is not guest
/// RAM, and then leave the destination or the memory unchanged. An access that spans two adjacent RAM regions should
/// succeed; an implementation that refuses it makes a work area that crosses the boundary look clipped there.
/// </remarks>
public interface IGuestMemory
{
    /// <summary>Copies guest memory at <paramref name="address"/> into <paramref name="destination"/>.</summary>
    /// <param name="address">The guest physical address of the first byte.</param>
    /// <param name="destination">Where the bytes go; its length is the number of bytes read.</param>
    /// <returns>Whether every byte was read.</returns>
    bool TryRead(ulong address, Span<byte> destination);

    /// <summary>Copies <paramref name="source"/> into guest memory at <paramref name="address"/>.</summary>
    /// <param name="address">The guest physical address of the first byte.</param>
    /// <param name="source">The bytes to write.</param>
    /// <returns>Whether every byte was written.</returns>
    bool TryWrite(ulong address, ReadOnlySpan<byte> source);
}
