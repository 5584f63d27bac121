using System.Buffers.Binary;
using Spapr.Drc;

namespace Spapr.Drc.Benchmarks;

/// <summary>The simplest guest memory an emulator would hand the dispatcher: one RAM block at a base address.</summary>
internal sealed class GuestRam : IGuestMemory
{
    private readonly byte[] _bytes;

    public GuestRam(ulong baseAddress, int size)
    {
        Base = baseAddress;
        _bytes = new byte[size];
    }

    public ulong Base { get; }

    public bool TryRead(ulong address, Span<byte> destination)
    {
        ulong offset = address - Base;
        if (address < Base || offset > (ulong)_bytes.Length || (ulong)destination.Length > (ulong)_bytes.Length - offset)
        {
            return false;
        }

        _bytes.AsSpan((int)offset, destination.Length).CopyTo(destination);
        return true;
    }

    public bool TryWrite(ulong address, ReadOnlySpan<byte> source)
    {
        ulong offset = address - Base;
        if (address < Base || offset > (ulong)_bytes.Length || (ulong)source.Length > (ulong)_bytes.Length - offset)
        {
            return false;
        }

        source.CopyTo(_bytes.AsSpan((int)offset));
        return true;
    }

    /// <summary>Lays out an RTAS argument buffer: token, nargs, nret, the arguments; the return cells follow.</summary>
    public void WriteCall(ulong at, uint token, int nret, params uint[] args)
    {
        uint[] header = [token, (uint)args.Length, (uint)nret];
        WriteCells(at, header);
        WriteCells(at + 12, args);
    }

    public void WriteCells(ulong at, uint[] cells)
    {
        for (int i = 0; i < cells.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(_bytes.AsSpan((int)(at - Base) + (4 * i)), cells[i]);
        }
    }
}
