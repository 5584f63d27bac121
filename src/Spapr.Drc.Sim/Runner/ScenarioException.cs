namespace Spapr.Drc.Sim.Runner;

/// <summary>A scenario line that cannot run: malformed, or naming something the machine lacks. Reported as <c>file:line: message</c>.</summary>
internal sealed class ScenarioException : Exception
{
    public ScenarioException(int line, string message)
        : base(message) => Line = line;

    public ScenarioException()
    {
    }

    public ScenarioException(string message)
        : base(message)
    {
    }

    public ScenarioException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The 1-based line number in the scenario file.</summary>
    public int Line { get; }
}
