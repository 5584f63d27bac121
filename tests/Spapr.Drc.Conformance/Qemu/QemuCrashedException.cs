using Xunit.Sdk;

namespace Spapr.Drc.Conformance.Qemu;

/// <summary>
/// The QEMU process died under a step (glibc's heap checks abort it, or it segfaults): the peer is gone, so the step
/// says nothing about agreement. <see cref="QemuTestCase"/> runs such a test once more on a fresh QEMU.
/// </summary>
public sealed class QemuCrashedException : XunitException
{
    public QemuCrashedException(string message)
        : base(message)
    {
    }
}
