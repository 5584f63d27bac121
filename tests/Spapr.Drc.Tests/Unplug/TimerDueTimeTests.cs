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
}
