using System.Reflection;

namespace Spapr.Drc.Sim.Runner;

/// <summary>The scenarios embedded in drcsim (Scenarios/*.drc), run by <c>drcsim demo</c>.</summary>
internal static class BuiltInScenarios
{
    private const string Prefix = "Scenarios.";

    /// <summary>The file names, in demo order (the files are numbered).</summary>
    public static IReadOnlyList<string> Names { get; } = typeof(BuiltInScenarios).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".drc", StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..])
        .Order(StringComparer.Ordinal)
        .ToList();

    public static string Read(string name)
    {
        using var stream = typeof(BuiltInScenarios).Assembly.GetManifestResourceStream(Prefix + name)
            ?? throw new ArgumentException($"No built-in scenario '{name}'.", nameof(name));
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    internal static Assembly Assembly => typeof(BuiltInScenarios).Assembly;
}
