namespace Spapr.Drc.Conformance.Qemu;

/// <summary>A theory that needs QEMU; skipped and failed exactly like <see cref="QemuFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class QemuTheoryAttribute : TheoryAttribute
{
    public QemuTheoryAttribute()
    {
        if (QemuAvailability.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
