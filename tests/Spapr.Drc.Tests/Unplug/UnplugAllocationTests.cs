using Microsoft.Extensions.Logging.Abstractions;
using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>
/// Issue 16: a request, its timeout and its completion allocate nothing in steady state. The request state lives in
/// the coordinator's flat records (slots reused through a free list), the timer queue is an array heap, the hotplug
/// events are records in a ring, and notifications are structs until a handler is there to receive one. So once the
/// tables have grown to the working set, the loops below allocate 0 bytes, not "a little".
/// </summary>
/// <remarks>
/// Time runs on <see cref="AllocationFreeClock"/>: FakeTimeProvider's timer re-arm allocates by itself. No handler is subscribed: a handler is handed a fresh <see cref="UnplugEventArgs"/>, which is the price of the
/// public event pattern and is built only then. Each loop first runs a few rounds to let the tables grow.
/// </remarks>
public sealed class UnplugAllocationTests : IDisposable
{
    private const int Devices = 256;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private readonly AllocationFreeClock _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly uint[] _args = new uint[6];
    private readonly uint[] _rets = new uint[1];
    private readonly byte[] _eventBuffer = new byte[DrcRtas.EventLogSize];
    private DrcRegistry _registry = null!;

    public void Dispose() => _registry.Dispose();

    [Theory]
    [InlineData(UnplugTimeoutPolicy.KeepPending)]
    [InlineData(UnplugTimeoutPolicy.ClearRequest)]
    public void RequestAndTimeout_SteadyState_AllocateNothing(UnplugTimeoutPolicy policy)
    {
        // KeepPending: each round is a retry of the same request; ClearRequest: each round is a new request in a reused slot.
        NewRegistry(policy);
        var lmbs = PlugLmbs();

        long Round()
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            foreach (var lmb in lmbs)
            {
                var result = _registry.RequestUnplug(lmb, Timeout);
                if (!result.Accepted)
                {
                    throw new InvalidOperationException(result.Message);
                }
            }

            _clock.Advance(Timeout + TimeSpan.FromSeconds(1));
            TakeEvents(lmbs.Length);
            long bytes = GC.GetAllocatedBytesForCurrentThread() - before;

            // Every request timed out: kept (and retried next round) or cleared, as the policy says.
            var pending = _registry.GetPendingUnplugs();
            if (policy == UnplugTimeoutPolicy.KeepPending)
            {
                pending.Should().HaveCount(Devices).And.OnlyContain(p => p.TimedOut);
            }
            else
            {
                pending.Should().BeEmpty();
            }

            return bytes;
        }

        Round();
        Round();
        long bytes = Round() + Round() + Round();
        bytes.Should().Be(0, "three rounds of {0} requests and timeouts ran on records already there", Devices);
    }

    [Fact]
    public void RequestAndCompletion_SteadyState_AllocateNothing()
    {
        NewRegistry(UnplugTimeoutPolicy.KeepPending);
        var lmbs = PlugLmbs();

        long Round()
        {
            // The request, the guest taking its event and releasing the LMB, and the completion are measured; plugging
            // the next devices (an AttachedDevice each: the host's own act) is not.
            long before = GC.GetAllocatedBytesForCurrentThread();
            foreach (var lmb in lmbs)
            {
                _registry.RequestUnplug(lmb, Timeout);
            }

            TakeEvents(lmbs.Length);
            foreach (var lmb in lmbs)
            {
                _registry.Rtas.SetIndicator(RtasIndicator.Isolation, lmb, 0);
                _registry.Rtas.SetIndicator(RtasIndicator.Allocation, lmb, 0);
            }

            long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            _registry.GetAttachedDevices().Should().BeEmpty("every unplug completed");
            _registry.GetPendingUnplugs().Should().BeEmpty();
            foreach (var lmb in lmbs)
            {
                _registry.AttachMemoryDevice(lmb, 1, "dimm", static _ => Fragment, PlugMode.Cold);
            }

            return bytes;
        }

        // Warm-up: an ended request's timer entry stays queued until its deadline comes up or a compaction drops it
        // (checked from 1,024 entries on), so the queue reaches its working set only after four rounds of 256.
        for (int warmUp = 0; warmUp < 5; warmUp++)
        {
            Round();
        }

        long bytes = Round() + Round() + Round();

        // The completions disarmed every timer: nothing is left to time out.
        _clock.Advance(TimeSpan.FromMinutes(1));
        _registry.GetPendingUnplugs().Should().BeEmpty();
        bytes.Should().Be(0, "three rounds of {0} requests and completions ran on records already there", Devices);
    }

    [Fact]
    public void FirstBurst_RightAfterAttaching_AllocatesNothing()
    {
        // The request table, the timer queue, the event queue and the change list grow as devices are attached (a
        // device has at most one request): the first burst of requests allocates nothing, so it cannot start a
        // collection that walks the whole machine.
        // One request and its cancel first: they create the registry's single timer (made only once a timeout is
        // needed, so idle machines have none) and the coordinator's few scratch lists, which are no burst's cost.
        NewRegistry(UnplugTimeoutPolicy.ClearRequest);
        var lmbs = PlugLmbs();
        _registry.RequestUnplug(lmbs[0], Timeout);
        _registry.CancelUnplug(lmbs[0]).Should().BeTrue();
        TakeEvents(1);

        long before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var lmb in lmbs)
        {
            _registry.RequestUnplug(lmb, Timeout);
        }

        TakeEvents(lmbs.Length);
        _clock.Advance(Timeout + TimeSpan.FromSeconds(1));
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;

        _registry.GetPendingUnplugs().Should().BeEmpty("every request timed out and was cleared");
        bytes.Should().Be(0);
    }

    private static DeviceTreeNode Fragment { get; } = Fragments.Simple("lmb");

    private void NewRegistry(UnplugTimeoutPolicy policy)
    {
        _registry = new DrcRegistry(new DrcOptions { TimeoutPolicy = policy }, _clock, NullLogger.Instance);
        _registry.SkipDebugInvariantChecks(); // a Debug build's check after each call allocates by itself
        _registry.NegotiateClientArchitecture(); // a Linux guest asks for hotplug events: they travel in the hotplug class
    }

    private DrcIndex[] PlugLmbs()
    {
        var lmbs = _registry.CreateConnectors(DrcType.Lmb, 0, Devices).Select(c => c.Index).ToArray();
        foreach (var lmb in lmbs)
        {
            _registry.AttachMemoryDevice(lmb, 1, "dimm", static _ => Fragment, PlugMode.Cold);
        }

        return lmbs;
    }

    /// <summary>The guest takes every queued event with check-exception, as Linux does after the EPOW interrupt.</summary>
    private void TakeEvents(int expected)
    {
        // Vector offset, additional information, event mask, critical, buffer address (mapped to _eventBuffer), length.
        _args[2] = (uint)RtasEventClasses.Hotplug;
        _args[5] = (uint)_eventBuffer.Length;
        for (int i = 0; i < expected; i++)
        {
            _registry.Rtas.CheckException(_args, _rets, _eventBuffer);
            if (_rets[0] != 0)
            {
                throw new InvalidOperationException($"Event {i} of {expected} was not there (status {(int)_rets[0]}).");
            }
        }
    }
}
