using System.Text;

namespace Spapr.Drc.RealGuest.Qemu;

/// <summary>
/// Every line read from one stream (the guest console, the guest's kprobe trace, QEMU's trace log), kept in arrival
/// order and copied to a file for diagnosis. Readers wait for a line matching a predicate from a position on, with a
/// deadline: positions are how the recorder cuts a phase out of each stream.
/// </summary>
internal sealed class LineLog : IDisposable
{
    private readonly List<string> _lines = [];
    private readonly object _gate = new(); // Monitor.Wait/PulseAll need a plain object
    private readonly StreamWriter _copy;
    private Thread? _reader;
    private bool _closed;
    private bool _copyClosed;

    public LineLog(string name, string copyPath)
    {
        Name = name;
        _copy = new StreamWriter(copyPath, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true };
    }

    public string Name { get; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _lines.Count;
            }
        }
    }

    public bool IsClosed
    {
        get
        {
            lock (_gate)
            {
                return _closed;
            }
        }
    }

    /// <summary>Starts a background thread that reads the stream until it ends.</summary>
    public void Start(Stream stream)
    {
        _reader = new Thread(() => Pump(stream)) { IsBackground = true, Name = "LineLog " + Name };
        _reader.Start();
    }

    public IReadOnlyList<string> Slice(int from, int to)
    {
        lock (_gate)
        {
            to = Math.Min(to, _lines.Count);
            return from >= to ? [] : _lines.GetRange(from, to - from);
        }
    }

    /// <summary>Index of the first line at or after <paramref name="from"/> that matches, or -1 at the deadline or when the stream ended.</summary>
    public int WaitFor(Func<string, bool> match, int from, TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_gate)
        {
            int i = from;
            while (true)
            {
                for (; i < _lines.Count; i++)
                {
                    if (match(_lines[i]))
                    {
                        return i;
                    }
                }

                long left = deadline - Environment.TickCount64;
                if (left <= 0 || _closed)
                {
                    return -1;
                }

                Monitor.Wait(_gate, (int)Math.Min(left, 1000));
            }
        }
    }

    /// <summary>Whether at least <paramref name="count"/> lines from <paramref name="from"/> on match before the deadline.</summary>
    public bool WaitForCount(Func<string, bool> match, int from, int count, TimeSpan timeout)
    {
        int seen = 0;
        int next = from;
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (seen < count)
        {
            long left = deadline - Environment.TickCount64;
            int found = WaitFor(match, next, TimeSpan.FromMilliseconds(Math.Max(0, left)));
            if (found < 0)
            {
                return false;
            }

            seen++;
            next = found + 1;
        }

        return true;
    }

    /// <summary>The last lines, for an error message.</summary>
    public string Tail(int lines)
    {
        lock (_gate)
        {
            return string.Join(" | ", _lines.Skip(Math.Max(0, _lines.Count - lines)));
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _closed = true;
            Monitor.PulseAll(_gate);
        }

        _reader?.Join(TimeSpan.FromSeconds(2));
        lock (_gate)
        {
            _copyClosed = true;
            _copy.Dispose();
        }
    }

    private void Pump(Stream stream)
    {
        var pending = new List<byte>();
        var buffer = new byte[16384];
        try
        {
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                for (int i = 0; i < n; i++)
                {
                    if (buffer[i] == (byte)'\n')
                    {
                        Add(Encoding.UTF8.GetString([.. pending]));
                        pending.Clear();
                    }
                    else if (buffer[i] is not ((byte)'\r' or 0))
                    {
                        pending.Add(buffer[i]);
                    }
                }
            }
        }
        catch (IOException)
        {
            // The other end went away (QEMU exited): the log simply ends.
        }
        catch (ObjectDisposedException)
        {
            // Disposed while reading: same.
        }

        lock (_gate)
        {
            if (pending.Count > 0)
            {
                _lines.Add(Encoding.UTF8.GetString([.. pending]));
            }

            _closed = true;
            Monitor.PulseAll(_gate);
        }
    }

    private void Add(string line)
    {
        lock (_gate)
        {
            _lines.Add(line);
            Monitor.PulseAll(_gate);
            if (!_copyClosed)
            {
                _copy.WriteLine(line);
            }
        }
    }
}
