using CsCheck;
using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Events;

/// <summary>
/// The event FIFO's own bookkeeping (a head index, compaction, per-class counts) against a plain list, at sizes where
/// the compaction runs (thousands of events, as 16,384 single-LMB devices queue).
/// </summary>
public sealed class HotplugEventQueueTests
{
    private static readonly uint[] Masks = [0x4000_0000, 0x1000_0000, 0x5000_0000, 0x8000_0000];

    [Fact]
    public void Queue_LongRandomRuns_BehavesAsAListWithRemoveAt()
    {
        var gen = Gen.Select(Gen.Int[1, 4000], Gen.Int[0, 100], Gen.UInt);
        gen.Sample((count, epowPercent, seed) =>
        {
            var random = new Random((int)seed);
            var queue = new HotplugEventQueue();
            var model = new List<HotplugEventRecord>();
            uint logId = 1;
            for (int step = 0; step < count * 3; step++)
            {
                if (random.Next(3) == 0 || model.Count == 0)
                {
                    var e = Event(logId++, random.Next(100) < epowPercent ? RtasEventClasses.Epow : RtasEventClasses.Hotplug);
                    queue.Add(e);
                    model.Add(e);
                    continue;
                }

                uint mask = Masks[random.Next(Masks.Length)];
                var expected = model.FindIndex(e => ((uint)e.EventClass & mask) != 0);
                int position = queue.Find(mask);
                if (expected < 0)
                {
                    position.Should().Be(-1);
                    continue;
                }

                queue.At(position).Should().Be(model[expected]);
                queue.RemoveAt(position);
                model.RemoveAt(expected);
                queue.Count.Should().Be(model.Count);
                queue.PendingClasses.Should().Be(model.Aggregate(RtasEventClasses.None, (c, e) => c | e.EventClass));
            }

            queue.Items.ToArray().Should().Equal(model);
        }, iter: 25);
    }

    [Fact]
    public void CheckException_DrainingThousandsOfEvents_FifoAndNothingLeft()
    {
        const int Lmbs = 3000;
        using var machine = new Machine();
        var registry = machine.Registry;
        registry.NegotiateClientArchitecture();
        registry.CreateConnectors(DrcType.Lmb, 0, Lmbs);
        for (uint id = 0; id < Lmbs; id++)
        {
            registry.Attach(DrcIndex.From(DrcType.Lmb, id), "lmb" + id, null, PlugMode.Cold);
            registry.RequestUnplug(DrcIndex.From(DrcType.Lmb, id), Timeout.InfiniteTimeSpan);
        }

        var queued = registry.GetQueuedEvents();
        queued.Should().HaveCount(Lmbs);
        var log = new byte[DrcRtas.EventLogSize];
        var taken = new List<HotplugEvent>();
        while (registry.Rtas.CheckException(uint.MaxValue, log, out var e) == RtasStatus.Success)
        {
            taken.Add(e!);
            if (taken.Count == Lmbs / 2)
            {
                registry.GetQueuedEvents().Should().Equal(queued.Skip(Lmbs / 2), "the queue after 1,500 were taken (and compacted)");
                registry.PendingEventClasses.Should().Be(RtasEventClasses.Hotplug);
            }
        }

        taken.Should().Equal(queued);
        registry.PendingEventClasses.Should().Be(RtasEventClasses.None);
        registry.GetQueuedEvents().Should().BeEmpty();
    }

    private static HotplugEventRecord Event(uint logId, RtasEventClasses eventClass) =>
        new(HotplugType.Memory, HotplugAction.Remove, HotplugIdentifier.DrcIndex, DrcIndex.From(DrcType.Lmb, logId).Value, 1, eventClass, logId, 0);
}
