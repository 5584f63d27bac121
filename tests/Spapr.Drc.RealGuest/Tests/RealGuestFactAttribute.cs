namespace Spapr.Drc.RealGuest.Tests;

/// <summary>
/// A fact that boots real guests: skipped with one clear reason unless recording is asked for (CI=true or
/// DRC_REALGUEST=record); when it runs, a missing package or a QEMU that will not boot fails it with the reason.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RealGuestFactAttribute : FactAttribute
{
    public RealGuestFactAttribute()
    {
        if (RealGuestSettings.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
