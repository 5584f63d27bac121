namespace Spapr.Drc.Stress.Infrastructure;

/// <summary>
/// Tests that assert how soon a real <see cref="TimeProvider.System"/> timer fires, or that measure wall-clock time
/// with a stopwatch. xunit runs this collection alone, after the parallel ones: on a 2-core CI machine the concurrency tests' busy threads and their flood of
/// 1-20 ms timer callbacks once delayed a 5 ms timer past a 10 s budget.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealTimeCollection
{
    /// <summary>The collection's name, for <see cref="CollectionAttribute"/>.</summary>
    public const string Name = "Real-time timers";
}
