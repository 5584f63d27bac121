using Microsoft.Extensions.Time.Testing;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>
/// How the shared unplug timer is armed (issue 8): the system's timers drop sub-milliseconds, so a due time is rounded
/// up on them (one fire, not a spin until the deadline); a fake clock stays exact to the tick.
/// </summary>
public sealed class TimerDueTimeTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(6_000, 10_000)]
    [InlineData(10_000, 10_000)]
    [InlineData(10_001, 20_000)]
    [InlineData(150_000_000, 150_000_000)]
    [InlineData(150_000_001, 150_010_000)]
    public void DueTime_MillisecondTimers_RoundsUpToWholeMilliseconds(long ticksLeft, long expectedTicks)
    {
        UnplugTimerQueue.DueTime(Now.AddTicks(ticksLeft), Now, millisecondTimers: true).Ticks.Should().Be(expectedTicks);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(6_000)]
    [InlineData(150_000_001)]
    public void DueTime_ExactTimers_KeepsEveryTick(long ticksLeft)
    {
        UnplugTimerQueue.DueTime(Now.AddTicks(ticksLeft), Now, millisecondTimers: false).Ticks.Should().Be(ticksLeft);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DueTime_DeadlinePassed_IsZero(bool millisecondTimers)
    {
        UnplugTimerQueue.DueTime(Now.AddTicks(-5), Now, millisecondTimers).Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void HasMillisecondTimers_SystemClockAndPausableSystemClock_Only()
    {
        UnplugTimerQueue.HasMillisecondTimers(TimeProvider.System).Should().BeTrue();
        UnplugTimerQueue.HasMillisecondTimers(new PausableTimeProvider(TimeProvider.System)).Should().BeTrue();
        UnplugTimerQueue.HasMillisecondTimers(new FakeTimeProvider()).Should().BeFalse();
        UnplugTimerQueue.HasMillisecondTimers(new PausableTimeProvider(new FakeTimeProvider())).Should().BeFalse();
    }

    [Fact]
    public void Timeout_SystemClock_SubMillisecondTimeoutStillFiresOnceAndNotEarly()
    {
        using var registry = new DrcRegistry(new DrcOptions { TimeoutPolicy = UnplugTimeoutPolicy.ClearRequest });
        var cpu = registry.CreateConnector(DrcType.Cpu, 1);
        registry.Attach(cpu.Index, "core", null, PlugMode.Cold);
        using var fired = new ManualResetEventSlim();
        var firedAt = DateTimeOffset.MinValue;
        int count = 0;
        registry.UnplugTimedOut += (_, e) =>
        {
            firedAt = TimeProvider.System.GetUtcNow();
            Interlocked.Increment(ref count);
            fired.Set();
        };

        var requestedAt = TimeProvider.System.GetUtcNow();
        registry.RequestUnplug(cpu.Index, TimeSpan.FromTicks(6_000)).Status.Should().Be(UnplugRequestStatus.Requested);

        fired.Wait(TimeSpan.FromSeconds(30)).Should().BeTrue();
        (firedAt - requestedAt).Should().BeGreaterThanOrEqualTo(TimeSpan.FromTicks(6_000));
        count.Should().Be(1);
    }
}
