namespace Spapr.Drc.Conformance.Qemu;

/// <summary>
/// A fact that needs QEMU: skipped with one clear reason when QEMU is absent locally; under CI=true it always runs,
/// so a missing or unstartable QEMU fails it.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class QemuFactAttribute : FactAttribute
{
    public QemuFactAttribute()
    {
        if (QemuAvailability.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
