namespace Spapr.Drc.Sim.Replay;

/// <summary>A trace line that cannot be replayed: not JSON, or not in the trace format. Reported as <c>file:line: message</c>, exit code 2.</summary>
internal sealed class TraceException : Exception
{
    public TraceException(int line, string message)
        : base(message) => Line = line;

    public TraceException()
    {
    }

    public TraceException(string message)
        : base(message)
    {
    }

    public TraceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The 1-based line number in the trace file.</summary>
    public int Line { get; }
}
