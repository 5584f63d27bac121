using Microsoft.Extensions.Time.Testing;

namespace Spapr.Drc.Stress.Faults;

/// <summary>
/// Dispose against a notification batch being raised on another thread (finding 4 of the issue "From connectors to
/// devices"): once Dispose returns, no handler starts; the one running when Dispose was called is waited for.
/// </summary>
public sealed class DisposeTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Dispose_WhileABatchOfTimeoutsIsRaised_NoHandlerStartsAfterItReturns()
    {
        var clock = new FakeTimeProvider();
        var registry = new DrcRegistry(timeProvider: clock);
        registry.CreateConnectors(DrcType.Cpu, 1, 100);
        for (uint id = 1; id <= 100; id++)
        {
            var cpu = DrcIndex.From(DrcType.Cpu, id);
            registry.Attach(cpu, "core" + id, null, PlugMode.Cold);
            registry.RequestUnplug(cpu, TimeSpan.FromSeconds(5)).Status.Should().Be(UnplugRequestStatus.Requested);
        }

        using var firstStarted = new ManualResetEventSlim();
        using var releaseFirst = new ManualResetEventSlim();
        int started = 0;
        registry.UnplugTimedOut += (_, _) =>
        {
            if (Interlocked.Increment(ref started) == 1)
            {
                firstStarted.Set();
                releaseFirst.Wait(Budget);
            }
        };

        // The clock's Advance raises the 100 timeouts on this worker, in one batch; the first handler blocks.
        var raising = Task.Run(() => clock.Advance(TimeSpan.FromSeconds(5)));
        firstStarted.Wait(Budget).Should().BeTrue();
        var disposing = Task.Run(registry.Dispose);
        SpinWait.SpinUntil(() => registry.Rtas.SetIndicator(RtasIndicator.Isolation, DrcIndex.From(DrcType.Cpu, 1), 0) == RtasStatus.HardwareError, Budget)
            .Should().BeTrue("Dispose marks the registry disposed at once");
        disposing.IsCompleted.Should().BeFalse("Dispose waits for the handler that is running");

        releaseFirst.Set();
        await disposing.WaitAsync(Budget);
        int atReturn = Volatile.Read(ref started);
        await raising.WaitAsync(Budget);

        atReturn.Should().Be(1, "the other 99 handlers would have started after Dispose was called");
        Volatile.Read(ref started).Should().Be(1, "nothing starts after Dispose returned");
    }

    [Fact]
    public void Dispose_FromInsideAHandler_DoesNotWaitForItselfAndStopsTheBatch()
    {
        var clock = new FakeTimeProvider();
        var registry = new DrcRegistry(timeProvider: clock);
        registry.CreateConnectors(DrcType.Cpu, 1, 10);
        for (uint id = 1; id <= 10; id++)
        {
            var cpu = DrcIndex.From(DrcType.Cpu, id);
            registry.Attach(cpu, "core" + id, null, PlugMode.Cold);
            registry.RequestUnplug(cpu, TimeSpan.FromSeconds(5));
        }

        int started = 0;
        registry.UnplugTimedOut += (_, _) =>
        {
            Interlocked.Increment(ref started);
            registry.Dispose();
        };

        clock.Advance(TimeSpan.FromSeconds(5));

        started.Should().Be(1);
        var act = () => registry.RequestUnplug(DrcIndex.From(DrcType.Cpu, 1));
        act.Should().Throw<ObjectDisposedException>();
    }
}
