using Microsoft.Extensions.Time.Testing;

namespace Spapr.Drc.Stress.Concurrency;

/// <summary>SPEC section 4's check-exception under concurrency: vCPU threads dequeue while the host queues. (Moved from the unit tests.)</summary>
public sealed class CheckExceptionConcurrencyTests
{
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
