using Xunit.Sdk;

namespace Spapr.Drc.Conformance.Qemu;

/// <summary>
/// A fact that needs QEMU: skipped with one clear reason when QEMU is absent locally; under CI=true it always runs,
/// so a missing or unstartable QEMU fails it. A run that QEMU itself crashed under is run once more (<see cref="QemuTestCase"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
[XunitTestCaseDiscoverer("Spapr.Drc.Conformance.Qemu.QemuFactDiscoverer", "Spapr.Drc.Conformance")]
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
