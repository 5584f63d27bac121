namespace Spapr.Drc.Sample;

/// <summary>Runs code that prints to the console and returns its lines. Tests that use it share one xunit collection, so they never overlap.</summary>
[CollectionDefinition(nameof(ConsoleCapture), DisableParallelization = true)]
public sealed class ConsoleCapture
{
    public static IReadOnlyList<string> Run(Action code)
    {
        var original = Console.Out;
        using var captured = new StringWriter();
        Console.SetOut(captured);
        try
        {
            code();
        }
        finally
        {
            Console.SetOut(original);
        }

        return captured.ToString().ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
    }
}
