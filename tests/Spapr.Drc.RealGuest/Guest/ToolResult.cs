namespace Spapr.Drc.RealGuest.Guest;

/// <summary>What an external tool (dpkg, apt-get, dpkg-deb) printed and returned.</summary>
internal sealed record ToolResult(string CommandLine, int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The command and the last lines of its output, for an error message.</summary>
    public string Describe()
    {
        var tail = (Output + Error).Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(8);
        return $"'{CommandLine}' exited {ExitCode}: {string.Join(" | ", tail)}";
    }
}
