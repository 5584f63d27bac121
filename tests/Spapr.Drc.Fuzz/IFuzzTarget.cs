namespace Spapr.Drc.Fuzz;

/// <summary>
/// One fuzz target. <see cref="Run"/> returns normally for every input the code under test handles as documented
/// (including its documented refusals) and lets anything else propagate, so afl-fuzz records it as a crash.
/// </summary>
internal interface IFuzzTarget
{
    /// <summary>The name on the command line.</summary>
    string Name { get; }

    /// <summary>Runs one input.</summary>
    /// <param name="input">The fuzz bytes.</param>
    /// <returns>Whether the input was accepted (<see langword="false"/> for a documented refusal).</returns>
    bool Run(ReadOnlySpan<byte> input);

    /// <summary>Valid inputs to seed the corpus with (file name, contents).</summary>
    /// <returns>The seeds.</returns>
    IEnumerable<(string Name, byte[] Data)> Seeds();
}
