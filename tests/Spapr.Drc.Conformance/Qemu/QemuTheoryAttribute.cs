using Xunit.Sdk;

namespace Spapr.Drc.Conformance.Qemu;

/// <summary>
/// A theory that needs QEMU; skipped, failed and run again after a QEMU crash exactly like <see cref="QemuFactAttribute"/>
/// (row by row).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
[XunitTestCaseDiscoverer("Spapr.Drc.Conformance.Qemu.QemuTheoryDiscoverer", "Spapr.Drc.Conformance")]
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
