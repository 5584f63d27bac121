using System.Text.Json.Nodes;

namespace Spapr.Drc.Conformance.Qemu;

/// <summary>QMP over a Unix socket: capabilities negotiation, commands, and every event kept in arrival order.</summary>
internal sealed class QmpClient : IDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(20);
    private readonly LineSocket _socket;
    private readonly Func<string> _diagnostics;
    private readonly List<JsonObject> _events = [];

    public QmpClient(LineSocket socket, Func<string> diagnostics)
    {
        _socket = socket;
        _diagnostics = diagnostics;
    }

    /// <summary>Events received and not yet taken.</summary>
    public IReadOnlyList<JsonObject> PendingEvents => _events;

    public void Negotiate()
    {
        var greeting = ReadMessage(ReplyTimeout) ?? throw new QemuException($"QMP: no greeting. {_diagnostics()}");
        if (greeting["QMP"] is null)
        {
            throw new QemuException($"QMP: unexpected greeting {greeting.ToJsonString()}.");
        }

        var reply = Execute("qmp_capabilities");
        if (reply["return"] is null)
        {
            throw new QemuException($"QMP: capabilities refused: {reply.ToJsonString()}.");
        }
    }

    /// <summary>Runs a command; returns the raw reply (with "return" or "error"). Events arriving meanwhile are kept.</summary>
    public JsonObject Execute(string command, JsonObject? arguments = null)
    {
        var message = new JsonObject { ["execute"] = command };
        if (arguments is not null)
        {
            message["arguments"] = arguments;
        }

        _socket.WriteLine(message.ToJsonString());
        while (true)
        {
            var reply = ReadMessage(ReplyTimeout) ?? throw new QemuException($"QMP: no reply to {command} within {ReplyTimeout.TotalSeconds} s. {_diagnostics()}");
            if (reply["event"] is not null)
            {
                _events.Add(reply);
                continue;
            }

            return reply;
        }
    }

    /// <summary>Reads events for up to <paramref name="timeout"/>; returns early once <paramref name="done"/> holds.</summary>
    public void Poll(TimeSpan timeout, Func<IReadOnlyList<JsonObject>, bool>? done = null)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (done is null || !done(_events))
        {
            long left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                return;
            }

            var message = ReadMessage(TimeSpan.FromMilliseconds(left));
            if (message is null)
            {
                return;
            }

            if (message["event"] is not null)
            {
                _events.Add(message);
            }
        }
    }

    public List<JsonObject> TakeEvents()
    {
        var taken = new List<JsonObject>(_events);
        _events.Clear();
        return taken;
    }

    public void SendQuit()
    {
        try
        {
            _socket.WriteLine("{\"execute\":\"quit\"}");
        }
        catch (QemuException)
        {
            // Already gone: nothing to quit.
        }
    }

    public void Dispose() => _socket.Dispose();

    private JsonObject? ReadMessage(TimeSpan timeout)
    {
        string? line = _socket.ReadLine(timeout);
        if (line is null)
        {
            return null;
        }

        return JsonNode.Parse(line) as JsonObject ?? throw new QemuException($"QMP: not an object: {line}");
    }
}
