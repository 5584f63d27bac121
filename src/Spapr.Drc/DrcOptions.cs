using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Spapr.Drc;

/// <summary>Settings of a <see cref="DrcRegistry"/>, read (copied) when the registry is created.</summary>
public sealed class DrcOptions
{
    /// <summary>The default CPU unplug timeout: 15 seconds, as in the 2021 design.</summary>
    public static readonly TimeSpan DefaultCpuUnplugTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The longest timeout a timer accepts (0xFFFF_FFFE milliseconds, about 49.7 days).</summary>
    public static readonly TimeSpan MaxUnplugTimeout = TimeSpan.FromMilliseconds(0xFFFF_FFFE);

    private readonly TimeSpan[] _timeouts = DefaultTimeouts();

    /// <summary>Creates options with the SPEC defaults (CPU 15 s, the other types no timeout, boot CPU 0, KeepPending).</summary>
    public DrcOptions() => BootCpuId = 0;

    /// <summary>What happens when an unplug times out. Default <see cref="UnplugTimeoutPolicy.KeepPending"/>.</summary>
    public UnplugTimeoutPolicy TimeoutPolicy { get; set; } = UnplugTimeoutPolicy.KeepPending;

    /// <summary>The id of the boot CPU core, which may not be unplugged; <see langword="null"/> to allow every core. Default 0.</summary>
    public uint? BootCpuId { get; set; }

    /// <summary>The factory of the registry's meter; <see langword="null"/> for a private <c>Meter("Spapr.Drc")</c>.</summary>
    public IMeterFactory? MeterFactory { get; set; }

    /// <summary>
    /// Where the registry's logger comes from (category <c>Spapr.Drc.DrcRegistry</c>) when the constructor is given no
    /// logger; <see langword="null"/> for none.
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The unplug timeout of a connector type; <see cref="Timeout.InfiniteTimeSpan"/> means none.</summary>
    /// <param name="type">The connector type.</param>
    /// <returns>The timeout.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Vio or an unknown type.</exception>
    public TimeSpan GetUnplugTimeout(DrcType type) => _timeouts[DrcKind.Of(type).Ordinal];

    /// <summary>Sets the unplug timeout of a connector type.</summary>
    /// <param name="type">The connector type.</param>
    /// <param name="timeout">A positive duration up to <see cref="MaxUnplugTimeout"/>, or <see cref="Timeout.InfiniteTimeSpan"/> for none.</param>
    /// <returns>These options, for chaining.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Vio or an unknown type; a timeout that is zero, negative (other than infinite) or too long for a timer.</exception>
    public DrcOptions SetUnplugTimeout(DrcType type, TimeSpan timeout)
    {
        ValidateTimeout(timeout, nameof(timeout));
        _timeouts[DrcKind.Of(type).Ordinal] = timeout;
        return this;
    }

    internal DrcOptions Clone()
    {
        var copy = new DrcOptions { TimeoutPolicy = TimeoutPolicy, BootCpuId = BootCpuId, MeterFactory = MeterFactory, LoggerFactory = LoggerFactory };
        _timeouts.CopyTo(copy._timeouts, 0);
        return copy;
    }

    internal static void ValidateTimeout(TimeSpan timeout, string paramName)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(paramName, timeout, "An unplug timeout must be positive, or Timeout.InfiniteTimeSpan for none.");
        }

        if (timeout > MaxUnplugTimeout)
        {
            throw new ArgumentOutOfRangeException(paramName, timeout, $"An unplug timeout may be at most {MaxUnplugTimeout} (what a timer accepts).");
        }
    }

    private static TimeSpan[] DefaultTimeouts()
    {
        var timeouts = new TimeSpan[DrcKind.Count];
        foreach (var kind in DrcKind.All)
        {
            timeouts[kind.Ordinal] = kind.DefaultTimeout;
        }

        return timeouts;
    }
}
