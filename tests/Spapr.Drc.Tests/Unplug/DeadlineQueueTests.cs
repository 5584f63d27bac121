using CsCheck;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>
/// The timer queue's ordering structure (lanes of in-order deadlines, a heap for the rest) against a sorted list:
/// whatever order keys arrive in, the earliest comes out first, and dropping stale entries keeps the order of the rest.
/// </summary>
public sealed class DeadlineQueueTests
{
    [Fact]
    public void Operations_AnyKeysAndRemovals_AlwaysYieldTheEarliestKey()
    {
        // Each operation: 0-5 enqueue (ticks from a "now" that mostly moves forward, plus one of a few timeouts, as
        // requests do; sometimes a clock set back), 6-7 dequeue, 8 drop the entries of odd slots (ended requests).
        var gen = Gen.Select(Gen.Int[0, 8], Gen.Int[0, 5], Gen.Int[-3, 10]).Array[1, 300];
        gen.Sample(operations =>
        {
            var queue = new DeadlineQueue();
            var model = new List<(UnplugTimerQueue.Entry Entry, UnplugTimerQueue.DeadlineKey Key)>();
            var scratch = new List<(UnplugTimerQueue.Entry, UnplugTimerQueue.DeadlineKey)>();
            long now = 1_000, requestId = 0;
            foreach (var (op, timeoutPick, step) in operations)
            {
                if (op <= 5)
                {
                    now += step;
                    long[] timeouts = [0, 15, 15, 120, 7, 500];
                    var entry = new UnplugTimerQueue.Entry((int)(requestId % 64), requestId);
                    var key = new UnplugTimerQueue.DeadlineKey(now + timeouts[timeoutPick], ++requestId);
                    queue.Enqueue(entry, key);
                    model.Add((entry, key));
                }
                else if (op <= 7)
                {
                    if (model.Count == 0)
                    {
                        queue.TryPeek(out _, out _).Should().BeFalse();
                        continue;
                    }

                    var earliest = model.MinBy(m => m.Key, Comparer<UnplugTimerQueue.DeadlineKey>.Create((a, b) => a.CompareTo(b)));
                    queue.TryPeek(out var entry, out var key).Should().BeTrue();
                    (entry, key.Ticks, key.RequestId).Should().Be((earliest.Entry, earliest.Key.Ticks, earliest.Key.RequestId));
                    queue.Dequeue();
                    model.Remove(earliest);
                }
                else
                {
                    queue.RemoveWhereNot(e => e.Slot % 2 == 0, scratch);
                    model.RemoveAll(m => m.Entry.Slot % 2 != 0);
                    scratch.Should().BeEmpty("the scratch list is handed back empty");
                }

                queue.Count.Should().Be(model.Count);
                queue.CountWhere(e => e.Slot % 2 == 0).Should().Be(model.Count(m => m.Entry.Slot % 2 == 0));
            }

            // Draining yields every remaining key in order.
            var drained = new List<long>();
            while (queue.TryPeek(out _, out var key))
            {
                drained.Add(key.RequestId);
                queue.Dequeue();
            }

            drained.Should().Equal(model.OrderBy(m => m.Key.Ticks).ThenBy(m => m.Key.RequestId).Select(m => m.Key.RequestId));
        }, iter: 500);
    }

    [Fact]
    public void Enqueue_DeadlinesOfAFewTimeoutsFromAMovingClock_NeverUseTheHeap()
    {
        // What a machine does: requests at a clock that moves forward, each with its type's timeout (CPU 15 s, LMB 2 min,
        // a PCI override): every entry fits a lane, so dequeuing is O(1) and sequential in memory.
        var queue = new DeadlineQueue();
        long[] timeouts = [150_000_000, 1_200_000_000, 300_000_000];
        for (int i = 0; i < 30_000; i++)
        {
            long now = 10_000L * i;
            queue.Enqueue(new UnplugTimerQueue.Entry(i, i), new UnplugTimerQueue.DeadlineKey(now + timeouts[i % 3], i + 1));
        }

        queue.HeapCount.Should().Be(0);
        long previous = long.MinValue;
        while (queue.TryPeek(out _, out var key))
        {
            key.Ticks.Should().BeGreaterThanOrEqualTo(previous);
            previous = key.Ticks;
            queue.Dequeue();
        }
    }

    [Fact]
    public void Enqueue_ClockSetBackBeyondEveryLane_GoesToTheHeapAndStillComesOutFirst()
    {
        // Each key below the one before: each starts a lane of its own, until all four are taken.
        var queue = new DeadlineQueue();
        for (int lane = 0; lane < 4; lane++)
        {
            queue.Enqueue(new UnplugTimerQueue.Entry(lane, 0), new UnplugTimerQueue.DeadlineKey(1_000 - lane, lane + 1));
        }

        queue.HeapCount.Should().Be(0);
        queue.Enqueue(new UnplugTimerQueue.Entry(9, 0), new UnplugTimerQueue.DeadlineKey(10, 9));

        queue.HeapCount.Should().Be(1);
        queue.TryPeek(out var first, out _).Should().BeTrue();
        first.Slot.Should().Be(9);
    }
}
