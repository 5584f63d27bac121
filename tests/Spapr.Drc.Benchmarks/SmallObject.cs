namespace Spapr.Drc.Benchmarks;

/// <summary>The baselines' stand-in for a connector: an index and a state, the least an emulator would keep.</summary>
internal sealed class SmallObject(uint index)
{
    public uint Index { get; } = index;

    public int State { get; set; }
}
