using System.Text.Json;

namespace Spapr.Drc.Sim.Replay;

/// <summary>
/// How one trace line compared: what QEMU did (from the trace), what the library did, and every difference. A line
/// whose only difference is one the library makes on purpose agrees, with <see cref="ByDesign"/> saying why.
/// </summary>
internal sealed class LineVerdict(int line, string kind, string what)
{
    /// <summary>The line number in the trace; 0 for what happens after the last line (<c>--timeouts</c>).</summary>
    public int Line { get; } = line;

    /// <summary>The trace line kind: host, rtas, qmp; "end" after the last line.</summary>
    public string Kind { get; } = kind;

    /// <summary>The line for people: "set-indicator isolation isolate LMB 8 (0x80000008)".</summary>
    public string What { get; } = what;

    public List<string> Differences { get; } = [];

    /// <summary>A deliberate difference, counted as agreement: why the library differs from QEMU here.</summary>
    public string? ByDesign { get; set; }

    public bool Agrees => Differences.Count == 0;

    /// <summary>Writes what QEMU did (the <c>qemu</c> object of <c>--json</c>).</summary>
    public Action<Utf8JsonWriter>? Qemu { get; set; }

    /// <summary>Writes what the library did (the <c>library</c> object of <c>--json</c>).</summary>
    public Action<Utf8JsonWriter>? Library { get; set; }
}
