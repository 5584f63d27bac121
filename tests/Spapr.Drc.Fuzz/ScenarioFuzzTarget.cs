using System.Text;
using Spapr.Drc.Sim.Runner;

namespace Spapr.Drc.Fuzz;

/// <summary>
/// Runs an input as a drcsim scenario (SPEC section 9). The documented refusal is an exit code (1 an expect failed,
/// 2 a malformed line or a refused command); any exception is a crash.
/// </summary>
internal static class ScenarioFuzzTarget
{
    public static void Run(ReadOnlySpan<byte> data)
    {
        var text = Encoding.UTF8.GetString(data);
        int exit = new ScenarioRunner(TextWriter.Null, TextWriter.Null).Run("fuzz", text);
        if (exit is not (ScenarioRunner.ExitOk or ScenarioRunner.ExitExpectFailed or ScenarioRunner.ExitMalformed))
        {
            throw new FuzzFindingException($"drcsim exited {exit}");
        }
    }

    /// <summary>The scenarios shipped with drcsim.</summary>
    public static IEnumerable<(string Name, byte[] Bytes)> Seeds()
    {
        var assembly = typeof(ScenarioRunner).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".drc", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            yield return (name, memory.ToArray());
        }
    }
}
