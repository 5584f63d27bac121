using System.Globalization;

namespace Spapr.Drc;

/// <summary>Durations in the library's sentences: "15 seconds", "1.5 seconds", "250 ms", "0.1 µs". Never "0 seconds" for a positive time.</summary>
internal static class Durations
{
    public static string Format(TimeSpan duration)
    {
        if (duration == Timeout.InfiniteTimeSpan)
        {
            return "no timeout";
        }

        long ticks = duration.Ticks;
        if (ticks >= TimeSpan.TicksPerSecond || ticks == 0)
        {
            double seconds = duration.TotalSeconds;
            return string.Create(CultureInfo.InvariantCulture, $"{seconds:0.###} {(seconds == 1 ? "second" : "seconds")}");
        }

        if (ticks >= TimeSpan.TicksPerMillisecond)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0.###} ms");
        }

        return string.Create(CultureInfo.InvariantCulture, $"{ticks / 10.0:0.#} µs");
    }

    /// <summary>Diagnostics' short form: "3.2 s", "250 ms", "0.1 µs".</summary>
    public static string Short(TimeSpan duration)
    {
        long ticks = duration.Ticks;
        if (ticks >= TimeSpan.TicksPerSecond || ticks == 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.#} s");
        }

        return ticks >= TimeSpan.TicksPerMillisecond
            ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0.#} ms")
            : string.Create(CultureInfo.InvariantCulture, $"{ticks / 10.0:0.#} µs");
    }

    /// <summary>Whole seconds rounded up, as QEMU words a pending unplug: "12 seconds", "1 second"; below a second, <see cref="Format"/>.</summary>
    public static string FormatRemaining(TimeSpan left)
    {
        if (left < TimeSpan.FromSeconds(1))
        {
            return Format(left);
        }

        double seconds = Math.Ceiling(left.TotalSeconds);
        return string.Create(CultureInfo.InvariantCulture, $"{seconds:0} {(seconds == 1 ? "second" : "seconds")}");
    }
}
