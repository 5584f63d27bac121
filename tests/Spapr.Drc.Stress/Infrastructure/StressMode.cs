using System.Globalization;

namespace Spapr.Drc.Stress.Infrastructure;

/// <summary>
/// CI mode (default) or long mode: <c>DRC_STRESS_SECONDS=N</c> makes every time-bounded test run N seconds and every
/// count-bounded test run at least N seconds on top of its CI minimum.
/// </summary>
internal static class StressMode
{
    public const string Variable = "DRC_STRESS_SECONDS";

    public static TimeSpan? LongDuration
    {
        get
        {
            var text = Environment.GetEnvironmentVariable(Variable);
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(seconds)
                : null;
        }
    }

    public static bool IsLong => LongDuration is not null;

    /// <summary>The run time of a time-bounded test: <paramref name="ci"/> in CI mode.</summary>
    public static TimeSpan Duration(TimeSpan ci) => LongDuration ?? ci;

    /// <summary>A seed that differs per run in long mode and is fixed in CI mode (printed either way).</summary>
    public static int Seed(int ci) => IsLong ? Environment.TickCount : ci;
}
