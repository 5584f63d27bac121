using Microsoft.Extensions.Time.Testing;

namespace Spapr.Drc.Sim.Runner;

/// <summary>
/// The scenario's virtual clocks: a fake host clock that moves only on <c>advance</c>, and over it the library's
/// <see cref="PausableTimeProvider"/>, the guest clock the registry measures unplug timeouts on. <c>pause</c> stops
/// the guest clock (SPEC section 6: timeouts count guest time), exactly as an emulator would wire it.
/// </summary>
internal sealed class SimClock
{
    /// <summary>The wall-clock date the scenarios start at (event logs carry it); fixed so output is reproducible.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _host = new(Start);
    private readonly PausableTimeProvider _guest;

    public SimClock() => _guest = new PausableTimeProvider(_host);

    /// <summary>The clock handed to the registry.</summary>
    public TimeProvider Guest => _guest;

    /// <summary>Virtual time since the scenario (or its current machine) started.</summary>
    public TimeSpan Elapsed => _host.GetUtcNow() - Start;

    public bool Paused => _guest.IsPaused;

    public long ElapsedMs => (long)Elapsed.TotalMilliseconds;

    /// <summary>How much guest time is left until <paramref name="deadline"/> (a deadline on the guest clock).</summary>
    public TimeSpan GuestUntil(DateTimeOffset deadline) => deadline - _guest.GetUtcNow();

    public void Pause() => _guest.Pause();

    public void Resume() => _guest.Resume();

    /// <summary>Moves time forward; due unplug timers fire inside, on this thread, seeing the new time.</summary>
    public void Advance(TimeSpan step) => _host.Advance(step);
}
