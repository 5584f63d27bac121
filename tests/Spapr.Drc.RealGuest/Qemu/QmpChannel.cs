using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spapr.Drc.RealGuest.Guest;

namespace Spapr.Drc.RealGuest.Qemu;

/// <summary>
/// QMP on a Unix socket QEMU connected to: the greeting, commands matched to replies by id, and every event in
/// arrival order. Replies and events are read on a background thread, so events are never lost while nobody waits.
/// </summary>
internal sealed class QmpChannel : IDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);
    private readonly Socket _socket;
    private readonly object _gate = new(); // Monitor.Wait/PulseAll need a plain object
    private readonly Dictionary<string, JsonObject> _replies = [];
    private readonly List<JsonObject> _events = [];
    private readonly Thread _reader;
    private JsonObject? _greeting;
    private int _nextId;
    private bool _closed;

    public QmpChannel(Socket socket)
    {
        _socket = socket;
        _reader = new Thread(Pump) { IsBackground = true, Name = "QMP" };
        _reader.Start();
    }

    /// <summary>"7.2.22" from the greeting.</summary>
    public string Version { get; private set; } = "unknown";

    public int EventCount
    {
        get
        {
            lock (_gate)
            {
                return _events.Count;
            }
        }
    }

    public void Negotiate()
    {
        lock (_gate)
        {
            long deadline = Environment.TickCount64 + (long)ReplyTimeout.TotalMilliseconds;
            while (_greeting is null && !_closed && Environment.TickCount64 < deadline)
            {
                Monitor.Wait(_gate, 500);
            }

            if (_greeting?["QMP"]?["version"]?["qemu"] is not JsonObject v)
            {
                throw new RealGuestException("QMP: no greeting from QEMU.");
            }

            Version = string.Create(CultureInfo.InvariantCulture, $"{v["major"]}.{v["minor"]}.{v["micro"]}");
        }

        Execute("qmp_capabilities");
    }

    /// <summary>Runs a command and returns its reply (with "return" or "error"); <paramref name="id"/> is echoed by QEMU.</summary>
    public JsonObject Execute(string command, JsonObject? arguments = null, string? id = null)
    {
        id ??= "rg-" + Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture);
        var message = new JsonObject { ["execute"] = command, ["id"] = id };
        if (arguments is not null)
        {
            message["arguments"] = arguments;
        }

        try
        {
            _socket.Send(Encoding.UTF8.GetBytes(message.ToJsonString() + "\n"));
        }
        catch (SocketException ex)
        {
            throw new RealGuestException($"QMP: QEMU closed the connection before '{command}'.", ex);
        }

        lock (_gate)
        {
            long deadline = Environment.TickCount64 + (long)ReplyTimeout.TotalMilliseconds;
            while (true)
            {
                if (_replies.Remove(id, out var reply))
                {
                    return reply;
                }

                long left = deadline - Environment.TickCount64;
                if (left <= 0 || _closed)
                {
                    throw new RealGuestException($"QMP: no reply to '{command}' ({(_closed ? "QEMU closed the connection" : "timeout")}).");
                }

                Monitor.Wait(_gate, (int)Math.Min(left, 1000));
            }
        }
    }

    /// <summary>Events from index <paramref name="from"/> on.</summary>
    public IReadOnlyList<JsonObject> EventsFrom(int from)
    {
        lock (_gate)
        {
            return from >= _events.Count ? [] : _events.GetRange(from, _events.Count - from);
        }
    }

    /// <summary>Waits until an event from index <paramref name="from"/> on matches; false at the deadline.</summary>
    public bool WaitForEvent(Func<JsonObject, bool> match, int from, TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_gate)
        {
            while (true)
            {
                for (int i = from; i < _events.Count; i++)
                {
                    if (match(_events[i]))
                    {
                        return true;
                    }
                }

                long left = deadline - Environment.TickCount64;
                if (left <= 0 || _closed)
                {
                    return false;
                }

                Monitor.Wait(_gate, (int)Math.Min(left, 1000));
            }
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        _reader.Join(TimeSpan.FromSeconds(2));
    }

    private void Pump()
    {
        var pending = new List<byte>();
        var buffer = new byte[16384];
        try
        {
            int n;
            while ((n = _socket.Receive(buffer)) > 0)
            {
                for (int i = 0; i < n; i++)
                {
                    if (buffer[i] != (byte)'\n')
                    {
                        pending.Add(buffer[i]);
                        continue;
                    }

                    JsonObject? message;
                    try
                    {
                        message = JsonNode.Parse(Encoding.UTF8.GetString([.. pending])) as JsonObject;
                    }
                    catch (JsonException)
                    {
                        // Not QMP (QEMU never sends this); skipping it beats killing the reader thread.
                        message = null;
                    }

                    pending.Clear();
                    lock (_gate)
                    {
                        if (message is null)
                        {
                            continue;
                        }

                        if (message["event"] is not null)
                        {
                            _events.Add(message);
                        }
                        else if (message["QMP"] is not null)
                        {
                            _greeting = message;
                        }
                        else if (message["id"]?.GetValue<string>() is { } id)
                        {
                            _replies[id] = message;
                        }

                        Monitor.PulseAll(_gate);
                    }
                }
            }
        }
        catch (SocketException)
        {
            // QEMU went away.
        }
        catch (ObjectDisposedException)
        {
            // Disposed.
        }

        lock (_gate)
        {
            _closed = true;
            Monitor.PulseAll(_gate);
        }
    }
}
