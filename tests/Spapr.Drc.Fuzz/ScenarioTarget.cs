using System.Text;
using Spapr.Drc.Sim.Runner;

namespace Spapr.Drc.Fuzz;

/// <summary>
/// drcsim's scenario parser and runner (SPEC section 9) on any text. The runner's reported outcomes are exit codes
/// 0 (ran), 1 (an expect failed) and 2 (malformed, reported as <c>file:line: message</c>); any exception that escapes
/// it, or a malformed report without a message, is a bug.
/// </summary>
internal sealed class ScenarioTarget : IFuzzTarget
{
    public string Name => "scenario";

    // Scenarios are hand-written files; a bound keeps each execution short.
    private const int MaxLength = 16 * 1024;

    public bool Run(ReadOnlySpan<byte> input)
    {
        if (input.Length > MaxLength)
        {
            return false;
        }

        string text = Encoding.UTF8.GetString(input);
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = new ScenarioRunner(output, error).Run("fuzz.drc", text);
        switch (exit)
        {
            case ScenarioRunner.ExitOk or ScenarioRunner.ExitExpectFailed:
                return true;
            case ScenarioRunner.ExitMalformed:
                if (!error.ToString().StartsWith("fuzz.drc:", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"A malformed scenario was reported without its place: '{error}'.");
                }

                return false;
            default:
                throw new InvalidOperationException($"drcsim exit code {exit} is not one it documents.");
        }
    }

    public IEnumerable<(string Name, byte[] Data)> Seeds() =>
        BuiltInScenarios.Names.Select(name => (name, Encoding.UTF8.GetBytes(BuiltInScenarios.Read(name))));
}
