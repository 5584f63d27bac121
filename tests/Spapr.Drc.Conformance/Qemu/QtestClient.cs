using System.Buffers.Binary;
using System.Globalization;

namespace Spapr.Drc.Conformance.Qemu;

/// <summary>The qtest text protocol: guest-memory access and the <c>rtas</c> command.</summary>
internal sealed class QtestClient : IDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(20);
    private readonly LineSocket _socket;
    private readonly Func<string> _diagnostics;

    public QtestClient(LineSocket socket, Func<string> diagnostics)
    {
        _socket = socket;
        _diagnostics = diagnostics;
    }

    public string Command(string line)
    {
        _socket.WriteLine(line);
        while (true)
        {
            string reply = _socket.ReadLine(ReplyTimeout) ?? throw new QemuException($"qtest: no reply to '{line}' within {ReplyTimeout.TotalSeconds} s. {_diagnostics()}");

            // Interrupt notifications interleave with replies; they are not ours.
            if (reply.StartsWith("IRQ", StringComparison.Ordinal))
            {
                continue;
            }

            if (!reply.StartsWith("OK", StringComparison.Ordinal))
            {
                throw new QemuException($"qtest: '{line}' answered '{reply}'. {_diagnostics()}");
            }

            return reply;
        }
    }

    public void Write(ulong address, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        Command(string.Create(CultureInfo.InvariantCulture, $"write 0x{address:x} 0x{data.Length:x} 0x{Convert.ToHexStringLower(data)}"));
    }

    public byte[] Read(ulong address, int length)
    {
        string reply = Command(string.Create(CultureInfo.InvariantCulture, $"read 0x{address:x} 0x{length:x}"));
        string hex = reply.Split(' ')[1];
        return Convert.FromHexString(hex.AsSpan(2));
    }

    public void Memset(ulong address, int length, byte value) =>
        Command(string.Create(CultureInfo.InvariantCulture, $"memset 0x{address:x} 0x{length:x} 0x{value:x}"));

    public void WriteCells(ulong address, ReadOnlySpan<uint> cells)
    {
        var bytes = new byte[cells.Length * 4];
        for (int i = 0; i < cells.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(i * 4), cells[i]);
        }

        Write(address, bytes);
    }

    public uint[] ReadCells(ulong address, int count)
    {
        if (count == 0)
        {
            return [];
        }

        var bytes = Read(address, count * 4);
        var cells = new uint[count];
        for (int i = 0; i < count; i++)
        {
            cells[i] = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(i * 4));
        }

        return cells;
    }

    /// <summary>Runs an RTAS call whose argument cells are at <paramref name="argsAddress"/>; throws when QEMU does not know the name.</summary>
    public void Rtas(string name, int nargs, ulong argsAddress, int nret, ulong retsAddress)
    {
        string reply = Command(string.Create(CultureInfo.InvariantCulture, $"rtas {name} {nargs} 0x{argsAddress:x} {nret} 0x{retsAddress:x}"));
        if (reply != "OK 0")
        {
            throw new QemuException($"qtest: RTAS '{name}' unknown to QEMU (answered '{reply}').");
        }
    }

    public void Dispose() => _socket.Dispose();
}
