namespace Spapr.Drc.Conformance.Qemu;

/// <summary>QEMU could not be started, stopped answering, or answered something the driver cannot read.</summary>
public sealed class QemuException : Exception
{
    public QemuException(string message)
        : base(message)
    {
    }

    public QemuException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public QemuException()
    {
    }
}
