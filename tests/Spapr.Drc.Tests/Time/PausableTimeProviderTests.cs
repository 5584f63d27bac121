using Microsoft.Extensions.Time.Testing;

namespace Spapr.Drc.Tests.Time;

/// <summary>SPEC section 6, "Beyond QEMU": the virtual clock that stands still while the guest is paused.</summary>
public sealed class PausableTimeProviderTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private readonly FakeTimeProvider _inner = new();

    [Fact]
    public void GetUtcNow_Running_FollowsInnerClock()
    {
        var clock = new PausableTimeProvider(_inner);
        var start = clock.GetUtcNow();

        _inner.Advance(TimeSpan.FromSeconds(3));

        clock.GetUtcNow().Should().Be(start + TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void GetUtcNow_Paused_StandsStill()
    {
        var clock = new PausableTimeProvider(_inner);
        var start = clock.GetUtcNow();

        clock.Pause();
        _inner.Advance(TimeSpan.FromMinutes(5));

        clock.GetUtcNow().Should().Be(start);
    }

    [Fact]
    public void GetUtcNow_AfterResume_ExcludesPausedTime()
    {
        var clock = new PausableTimeProvider(_inner);
        var start = clock.GetUtcNow();
        _inner.Advance(TimeSpan.FromSeconds(2));
        clock.Pause();
        _inner.Advance(TimeSpan.FromSeconds(30));
        clock.Resume();

        _inner.Advance(TimeSpan.FromSeconds(1));

        clock.GetUtcNow().Should().Be(start + TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void GetTimestamp_PausedThenResumed_ElapsedExcludesPausedTime()
    {
        var clock = new PausableTimeProvider(_inner);
        long start = clock.GetTimestamp();
        _inner.Advance(TimeSpan.FromSeconds(4));
        clock.Pause();
        _inner.Advance(TimeSpan.FromSeconds(40));
        long whilePaused = clock.GetTimestamp();
        clock.Resume();
        _inner.Advance(TimeSpan.FromSeconds(1));

        clock.GetElapsedTime(start, whilePaused).Should().Be(TimeSpan.FromSeconds(4));
        clock.GetElapsedTime(start).Should().Be(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void TimestampFrequencyAndLocalTimeZone_ComeFromInnerClock()
    {
        var zone = TimeZoneInfo.CreateCustomTimeZone("Test/Plus2", TimeSpan.FromHours(2), "Plus2", "Plus2");
        _inner.SetLocalTimeZone(zone);

        var clock = new PausableTimeProvider(_inner);

        clock.TimestampFrequency.Should().Be(_inner.TimestampFrequency);
        clock.LocalTimeZone.Should().BeSameAs(zone);
        clock.InnerTimeProvider.Should().BeSameAs(_inner);
    }

    [Fact]
    public void TotalPausedTime_AfterTwoPauses_IsTheirSum()
    {
        var clock = new PausableTimeProvider(_inner);
        clock.Pause();
        _inner.Advance(TimeSpan.FromSeconds(2));
        clock.Resume();
        _inner.Advance(TimeSpan.FromSeconds(10));
        clock.Pause();
        _inner.Advance(TimeSpan.FromSeconds(3));

        clock.TotalPausedTime.Should().Be(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void PauseAndResume_Repeated_AreIdempotent()
    {
        var clock = new PausableTimeProvider(_inner);
        var start = clock.GetUtcNow();

        clock.Pause();
        _inner.Advance(TimeSpan.FromSeconds(1));
        clock.Pause();
        _inner.Advance(TimeSpan.FromSeconds(1));
        clock.Resume();
        clock.Resume();
        _inner.Advance(TimeSpan.FromSeconds(1));

        clock.GetUtcNow().Should().Be(start + TimeSpan.FromSeconds(1));
        clock.IsPaused.Should().BeFalse();
    }

    [Fact]
    public void Constructor_StartPaused_IsPausedAndFrozen()
    {
        var clock = new PausableTimeProvider(_inner, startPaused: true);
        var start = clock.GetUtcNow();

        _inner.Advance(TimeSpan.FromSeconds(9));

        clock.IsPaused.Should().BeTrue();
        clock.GetUtcNow().Should().Be(start);
    }

    [Fact]
    public void Constructor_NullInner_Throws()
    {
        var act = () => new PausableTimeProvider(null!);

        act.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void CreateTimer_Running_FiresAtDueTimeNotOneTickEarlier()
    {
        var clock = new PausableTimeProvider(_inner);
        int fired = 0;
        using var timer = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);

        _inner.Advance(TimeSpan.FromSeconds(5) - Tick);
        int before = fired;
        _inner.Advance(Tick);

        before.Should().Be(0);
        fired.Should().Be(1);
    }

    [Fact]
    public void CreateTimer_WhilePaused_NeverFires()
    {
        var clock = new PausableTimeProvider(_inner);
        int fired = 0;
        using var timer = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);

        clock.Pause();
        _inner.Advance(TimeSpan.FromHours(1));

        fired.Should().Be(0);
    }

    [Fact]
    public void CreateTimer_PausedMidway_FiresAfterRemainingVirtualTimeOnceResumed()
    {
        var clock = new PausableTimeProvider(_inner);
        int fired = 0;
        using var timer = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        _inner.Advance(TimeSpan.FromSeconds(2));
        clock.Pause();
        _inner.Advance(TimeSpan.FromSeconds(100));
        clock.Resume();

        _inner.Advance(TimeSpan.FromSeconds(3) - Tick);
        int before = fired;
        _inner.Advance(Tick);

        before.Should().Be(0);
        fired.Should().Be(1);
    }

    [Fact]
    public void CreateTimer_PausedAtSubMillisecondOffset_FiresExactlyAtVirtualDueTime()
    {
        var clock = new PausableTimeProvider(_inner);
        int fired = 0;
        using var timer = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        var offset = TimeSpan.FromTicks(12_345);
        _inner.Advance(offset);
        clock.Pause();
        _inner.Advance(TimeSpan.FromSeconds(1));
        clock.Resume();

        _inner.Advance(TimeSpan.FromSeconds(5) - offset - Tick);
        int before = fired;
        _inner.Advance(Tick);

        before.Should().Be(0);
        fired.Should().Be(1);
    }

    [Fact]
    public void CreateTimer_Callback_SeesVirtualDueTime()
    {
        var clock = new PausableTimeProvider(_inner);
        var start = clock.GetUtcNow();
        DateTimeOffset? seen = null;
        using var timer = clock.CreateTimer(_ => seen = clock.GetUtcNow(), null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        _inner.Advance(TimeSpan.FromSeconds(1));
        clock.Pause();
        _inner.Advance(TimeSpan.FromSeconds(7));
        clock.Resume();

        _inner.Advance(TimeSpan.FromSeconds(4));

        seen.Should().Be(start + TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void CreateTimer_ZeroDueTimeOnFakeClock_FiresInsideCreateTimer()
    {
        var clock = new PausableTimeProvider(_inner);
        int fired = 0;

        using var timer = clock.CreateTimer(_ => fired++, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);

        fired.Should().Be(1);
    }

    [Fact]
    public void CreateTimer_ZeroDueTimeWhilePaused_FiresOnResume()
    {
        var clock = new PausableTimeProvider(_inner, startPaused: true);
        int fired = 0;
        using var timer = clock.CreateTimer(_ => fired++, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        int whilePaused = fired;

        clock.Resume();

        whilePaused.Should().Be(0);
        fired.Should().Be(1);
    }

    [Fact]
    public void CreateTimer_PassesState()
    {
        var clock = new PausableTimeProvider(_inner);
        object? seen = null;
        var state = new object();
        using var timer = clock.CreateTimer(s => seen = s, state, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        _inner.Advance(TimeSpan.FromSeconds(1));

        seen.Should().BeSameAs(state);
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(0xFFFF_FFFFL)]
    public void CreateTimer_DueTimeOutOfRange_Throws(long milliseconds)
    {
        var clock = new PausableTimeProvider(_inner);

        var act = () => clock.CreateTimer(_ => { }, null, TimeSpan.FromMilliseconds(milliseconds), Timeout.InfiniteTimeSpan);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void CreateTimer_Periodic_FiresOncePerPeriodOfVirtualTime()
    {
        var clock = new PausableTimeProvider(_inner);
        int fired = 0;
        using var timer = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        _inner.Advance(TimeSpan.FromSeconds(1));
        _inner.Advance(TimeSpan.FromSeconds(1));
        _inner.Advance(TimeSpan.FromSeconds(0.5));
        clock.Pause();
        _inner.Advance(TimeSpan.FromSeconds(10));
        clock.Resume();

        _inner.Advance(TimeSpan.FromSeconds(0.5) - Tick);
        int before = fired;
        _inner.Advance(Tick);

        before.Should().Be(2);
        fired.Should().Be(3);
    }

    [Fact]
    public void Change_WhilePaused_CountsFromResume()
    {
        var clock = new PausableTimeProvider(_inner);
        int fired = 0;
        using var timer = clock.CreateTimer(_ => fired++, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        clock.Pause();
        timer.Change(TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);
        _inner.Advance(TimeSpan.FromSeconds(30));
        clock.Resume();

        _inner.Advance(TimeSpan.FromSeconds(2) - Tick);
        int before = fired;
        _inner.Advance(Tick);

        before.Should().Be(0);
        fired.Should().Be(1);
    }

    [Fact]
    public void Change_ToInfinite_Disarms()
    {
        var clock = new PausableTimeProvider(_inner);
        int fired = 0;
        using var timer = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan).Should().BeTrue();
        _inner.Advance(TimeSpan.FromMinutes(1));

        fired.Should().Be(0);
    }

    [Fact]
    public void Change_ToLaterDueTime_DoesNotFireAtTheOldOne()
    {
        var clock = new PausableTimeProvider(_inner);
        int fired = 0;
        using var timer = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        timer.Change(TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        _inner.Advance(TimeSpan.FromSeconds(5) - Tick);
        int before = fired;
        _inner.Advance(Tick);

        before.Should().Be(0);
        fired.Should().Be(1);
    }

    [Fact]
    public void Change_FromInsideItsOwnCallback_ReArms()
    {
        var clock = new PausableTimeProvider(_inner);
        int fired = 0;
        ITimer? timer = null;
        timer = clock.CreateTimer(_ =>
        {
            if (++fired < 3)
            {
                timer!.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
            }
        }, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        for (int i = 0; i < 10; i++)
        {
            _inner.Advance(TimeSpan.FromSeconds(1));
        }

        timer.Dispose();

        fired.Should().Be(3);
    }

    [Fact]
    public void Change_AfterDispose_ReturnsFalse()
    {
        var clock = new PausableTimeProvider(_inner);
        var timer = clock.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        timer.Dispose();

        timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan).Should().BeFalse();
    }

    [Fact]
    public void Dispose_WhilePaused_NeverFiresAfterResume()
    {
        var clock = new PausableTimeProvider(_inner);
        int fired = 0;
        var timer = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        clock.Pause();

        timer.Dispose();
        clock.Resume();
        _inner.Advance(TimeSpan.FromMinutes(1));

        fired.Should().Be(0);
    }

    [Fact]
    public async Task DisposeAsync_Running_NeverFires()
    {
        var clock = new PausableTimeProvider(_inner);
        int fired = 0;
        var timer = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        await timer.DisposeAsync();
        timer.Dispose();
        _inner.Advance(TimeSpan.FromMinutes(1));

        fired.Should().Be(0);
    }
}
