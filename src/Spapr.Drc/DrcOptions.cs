using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Spapr.Drc;

/// <summary>Settings of a <see cref="DrcRegistry"/>, read (copied) when the registry is created.</summary>
public sealed class DrcOptions
{
    /// <summary>The default CPU unplug timeout: 15 seconds, as in the 2021 design.</summary>
    public static readonly TimeSpan DefaultCpuUnplugTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The default LMB and PMEM unplug timeout: 2 minutes. A deliberate difference from SPEC section 6, which gives
    /// memory no timeout. A real Linux guest that fails to offline the first LMB of a DIMM makes no RTAS call at all
    /// (see the README, "Against a real guest"), so without a timeout such an unplug stays pending with no signal,
    /// which is the case the timeout exists for. A DIMM unplug commonly takes 20-30 seconds and varies with load:
    /// 2 minutes is four times that and more. Under the default <see cref="UnplugTimeoutPolicy.KeepPending"/> policy a
    /// timeout only reports (a late release still completes the unplug), so a slow guest costs one warning; with
    /// <see cref="UnplugTimeoutPolicy.ClearRequest"/>, set a bound of your own for memory.
    /// </summary>
    public static readonly TimeSpan DefaultMemoryUnplugTimeout = TimeSpan.FromMinutes(2);

    /// <summary>The longest timeout a timer accepts (0xFFFF_FFFE milliseconds, about 49.7 days).</summary>
    public static readonly TimeSpan MaxUnplugTimeout = TimeSpan.FromMilliseconds(0xFFFF_FFFE);

    private readonly TimeSpan[] _timeouts = DefaultTimeouts();

    /// <summary>Creates options with the defaults: CPU 15 s, LMB and PMEM 2 minutes, PHB and PCI no timeout, boot CPU 0, KeepPending.</summary>
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
