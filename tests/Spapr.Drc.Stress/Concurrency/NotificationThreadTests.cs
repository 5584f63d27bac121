using Microsoft.Extensions.Time.Testing;

namespace Spapr.Drc.Stress.Concurrency;

/// <summary>
/// Notifications are raised after the registry lock is released: a handler that waits for another thread calling into
/// the registry does not deadlock. (Moved from the unit tests: each runs a second thread under a real-time budget.)
/// </summary>
public sealed class NotificationThreadTests
{
    private static readonly DrcIndex Cpu8 = DrcIndex.From(DrcType.Cpu, 8);
    private static readonly DrcIndex Cpu9 = DrcIndex.From(DrcType.Cpu, 9);

    [Fact]
    public void UnplugCompleted_HandlerCallsBackFromAnotherThread_DoesNotDeadlock()
    {
        using var registry = new DrcRegistry(timeProvider: new FakeTimeProvider());
        registry.CreateConnectors(DrcType.Cpu, 8, 2);
        // CPU 8: acquired by the guest up to Available with an unplug pending; CPU 9: configured.
        registry.Attach(Cpu8, "core8", null, PlugMode.Hot);
        registry.Rtas.SetIndicator(RtasIndicator.Allocation, Cpu8, 1).Should().Be(RtasStatus.Success);
        registry.RequestUnplug(Cpu8, Timeout.InfiniteTimeSpan).Status.Should().Be(UnplugRequestStatus.Requested);
        registry.Attach(Cpu9, "core9", null, PlugMode.Cold);
        UnplugRequestResult? fromOtherThread = null;
        bool finished = false;
        registry.UnplugCompleted += (_, e) =>
        {
            if (e.Index != Cpu8)
            {
                return;
            }

            var task = Task.Run(() => registry.RequestUnplug(Cpu9, Timeout.InfiniteTimeSpan));
            finished = task.Wait(TimeSpan.FromSeconds(10));
            fromOtherThread = finished ? task.Result : null;
        };

        registry.Rtas.SetIndicator(RtasIndicator.Allocation, Cpu8, 0);

        finished.Should().BeTrue();
        fromOtherThread!.Value.Status.Should().Be(UnplugRequestStatus.Requested);
        registry[Cpu9].IsUnplugPending.Should().BeTrue();
    }

    [Fact]
    public void HotplugEventQueued_HandlerReadsRegistryFromAnotherThread_DoesNotDeadlock()
    {
        using var registry = new DrcRegistry(timeProvider: new FakeTimeProvider());
        registry.CreateConnector(DrcType.Cpu, 8);
        int? countSeen = null;
        registry.HotplugEventQueued += (_, _) =>
        {
            var task = Task.Run(() => registry.GetQueuedEvents().Count);
            countSeen = task.Wait(TimeSpan.FromSeconds(10)) ? task.Result : null;
        };

        registry.Attach(Cpu8, "core8", null, PlugMode.Hot);

        countSeen.Should().Be(1);
    }
}
