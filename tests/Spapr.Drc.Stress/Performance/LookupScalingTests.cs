using System.Diagnostics;
using Spapr.Drc.Stress.Infrastructure;

namespace Spapr.Drc.Stress.Performance;

/// <summary>
/// DESIGN: O(1) lookup by index. Measured with a stopwatch, so it is moved out of the unit tests and runs in the
/// real-time collection, alone: busy concurrency tests on a 2-core machine would distort the timings.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class LookupScalingTests
{
    [Fact]
    public void TryGet_ManyConnectors_CostDoesNotGrowWithCount()
    {
        // 16,384 LMBs (4 TiB) against 16: a linear lookup would be about a thousand times slower.
        var small = LookupTicks(16);
        var large = LookupTicks(16_384);

        large.Should().BeLessThan((small * 50) + TimeSpan.FromMilliseconds(50).Ticks);
    }

    private static long LookupTicks(int count)
    {
        using var registry = new DrcRegistry();
        registry.CreateConnectors(DrcType.Lmb, 0, count);
        long best = long.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < 20_000; i++)
            {
                uint id = (uint)(i * 7919 % count);
                if (!registry.TryGet(DrcType.Lmb, id, out _) || !registry.TryGet(new DrcIndex(0x8000_0000u | id), out _))
                {
                    throw new InvalidOperationException("missing");
                }
            }

            best = Math.Min(best, watch.ElapsedTicks);
        }

        return best;
    }
}
