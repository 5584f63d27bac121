using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace Spapr.Drc.Tests.Events;

/// <summary>The check-exception dequeue rule of SPEC section 4 against a three-line model, and under concurrency.</summary>
public sealed class EventQueuePropertyTests
{
    private static readonly uint[] Masks = [0x4000_0000, 0x1000_0000, 0x5000_0000, 0x8000_0000, 0];

    [Fact]
    public void CheckException_RandomClassesAndMasks_TakesTheFirstQueuedEventOfAMaskedClass()
    {
        var gen = Gen.Select(Gen.Bool.Array[1, 24], Gen.Int[0, Masks.Length - 1].Array[1, 40]);
        gen.Sample((classes, maskPicks) =>
        {
            using var registry = new DrcRegistry(timeProvider: new FakeTimeProvider());
            registry.CreateConnectors(DrcType.Cpu, 1, classes.Length);
            for (int i = 0; i < classes.Length; i++)
            {
                registry.SetHotplugEventsNegotiatedWithoutReset(classes[i]);
                registry.Attach(DrcIndex.From(DrcType.Cpu, 1 + (uint)i), new object(), null, PlugMode.Hot);
            }

            var model = registry.GetQueuedEvents().ToList();
            var log = new byte[DrcRtas.EventLogSize];
            foreach (int pick in maskPicks)
            {
                uint mask = Masks[pick];
                var expected = model.FirstOrDefault(e => ((uint)e.EventClass & mask) != 0);
                var status = registry.Rtas.CheckException(mask, log, out var taken);
                if (expected is null)
                {
                    status.Should().Be(RtasStatus.NoErrorsFound);
                    continue;
                }

                status.Should().Be(RtasStatus.Success);
                taken.Should().Be(expected);
                model.Remove(expected);
                registry.PendingEventClasses.Should().Be(model.Aggregate(RtasEventClasses.None, (c, e) => c | e.EventClass));
            }

            registry.GetQueuedEvents().Should().Equal(model);
        }, iter: 300);
    }

    [Fact]
    public async Task CheckException_ConcurrentGuestsWhileHostQueues_DeliversEveryEventExactlyOnce()
    {
        const int Events = 4000;
        var options = new DrcOptions().SetUnplugTimeout(DrcType.Cpu, Timeout.InfiniteTimeSpan);
        using var registry = new DrcRegistry(options, new FakeTimeProvider());
        registry.CreateConnector(DrcType.Cpu, 8);
        registry.Attach(new DrcIndex(0x1000_0008), new object(), null, PlugMode.Cold);
        var taken = new System.Collections.Concurrent.ConcurrentBag<uint>();
        int queued = 0;

        var host = Task.Run(() =>
        {
            for (int i = 0; i < Events; i++)
            {
                registry.RequestUnplug(new DrcIndex(0x1000_0008));
                Interlocked.Increment(ref queued);
            }
        });
        var guests = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            var log = new byte[DrcRtas.EventLogSize];
            while (Volatile.Read(ref queued) < Events || registry.PendingEventClasses != RtasEventClasses.None)
            {
                if (registry.Rtas.CheckException(0xFFFF_FFFF, log, out var e) == RtasStatus.Success)
                {
                    System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(log.AsSpan(64)).Should().Be(e!.LogId);
                    taken.Add(e.LogId);
                }
            }
        })).ToArray();

        await Task.WhenAll([host, .. guests]).WaitAsync(TimeSpan.FromMinutes(2));

        taken.Order().Should().Equal(Enumerable.Range(1, Events).Select(i => (uint)i));
    }
}
