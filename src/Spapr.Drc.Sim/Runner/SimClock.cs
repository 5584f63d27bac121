using Microsoft.Extensions.Time.Testing;

namespace Spapr.Drc.Sim.Runner;

/// <summary>
/// The scenario's virtual clocks. The host clock always moves on <c>advance</c>; the guest clock, which the
/// registry measures unplug timeouts on, stands still while the guest is paused (SPEC section 6: timeouts count
/// guest time). Kept behind this small surface so the library's pausable clock can replace the second fake.
/// </summary>
internal sealed class SimClock
{
    /// <summary>The wall-clock date the scenarios start at (event logs carry it); fixed so output is reproducible.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _guest = new(Start);

    /// <summary>The clock handed to the registry.</summary>
    public TimeProvider Guest => _guest;

    /// <summary>Virtual time since the scenario (or its current machine) started.</summary>
    public TimeSpan Elapsed { get; private set; }

    public bool Paused { get; private set; }

    public long ElapsedMs => (long)Elapsed.TotalMilliseconds;

    /// <summary>How far the guest clock is behind its deadline <paramref name="deadline"/>; what is left to wait.</summary>
    public TimeSpan GuestUntil(DateTimeOffset deadline) => deadline - _guest.GetUtcNow();

    public void Pause() => Paused = true;

    public void Resume() => Paused = false;

    /// <summary>Moves time forward; due unplug timers fire inside, on this thread.</summary>
    public void Advance(TimeSpan step)
    {
        // The host time moves first so notifications raised by due timers carry the time they fired at.
        Elapsed += step;
        if (!Paused)
        {
            _guest.Advance(step);
        }
    }
}
