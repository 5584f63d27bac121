using System.Net.Sockets;
using System.Text;

namespace Spapr.Drc.Conformance.Qemu;

/// <summary>A connected stream socket read and written a line at a time, every read bounded by a deadline.</summary>
internal sealed class LineSocket : IDisposable
{
    private readonly Socket _socket;
    private readonly string _name;
    private readonly byte[] _chunk = new byte[65536];
    private readonly List<byte> _buffer = [];

    public LineSocket(Socket socket, string name)
    {
        _socket = socket;
        _name = name;
    }

    public void WriteLine(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        try
        {
            _socket.Send(bytes);
        }
        catch (SocketException ex)
        {
            throw new QemuException($"{_name}: QEMU closed the connection while sending '{Shorten(line)}'.", ex);
        }
    }

    /// <summary>The next line, or null when none completes before the timeout.</summary>
    public string? ReadLine(TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            int nl = _buffer.IndexOf((byte)'\n');
            if (nl >= 0)
            {
                var line = Encoding.UTF8.GetString([.. _buffer.GetRange(0, nl)]);
                _buffer.RemoveRange(0, nl + 1);
                return line;
            }

            long left = deadline - Environment.TickCount64;
            if (left < 0)
            {
                return null;
            }

            if (!_socket.Poll((int)Math.Min(left * 1000, int.MaxValue), SelectMode.SelectRead))
            {
                return null;
            }

            int n;
            try
            {
                n = _socket.Receive(_chunk);
            }
            catch (SocketException ex)
            {
                throw new QemuException($"{_name}: QEMU closed the connection.", ex);
            }

            if (n == 0)
            {
                throw new QemuException($"{_name}: QEMU closed the connection.");
            }

            _buffer.AddRange(_chunk.AsSpan(0, n).ToArray());
        }
    }

    public void Dispose() => _socket.Dispose();

    private static string Shorten(string s) => s.Length > 80 ? s[..80] + "..." : s;
}
