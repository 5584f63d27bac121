using System.Diagnostics.CodeAnalysis;

namespace Spapr.Drc.Sim.Runner;

/// <summary>Reading a scenario or a trace from disk: a file that cannot be read is a message, never an exception.</summary>
internal static class InputFile
{
    /// <summary>Reads <paramref name="path"/>; on failure writes "path: cannot read the <paramref name="what"/>: why" to <paramref name="error"/>.</summary>
    public static bool TryRead(string path, string what, TextWriter error, [NotNullWhen(true)] out string? text)
    {
        try
        {
            text = File.ReadAllText(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error.WriteLine($"{path}: cannot read the {what}: {e.Message}");
            text = null;
            return false;
        }
    }
}
