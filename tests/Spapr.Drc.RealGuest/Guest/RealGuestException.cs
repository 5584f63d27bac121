namespace Spapr.Drc.RealGuest.Guest;

/// <summary>
/// The recording could not be made: a package could not be fetched, QEMU did not boot the guest, the guest did not
/// answer, or what it recorded is inconsistent. The message always says which, so a CI failure explains itself.
/// </summary>
public sealed class RealGuestException : Exception
{
    public RealGuestException()
    {
    }

    public RealGuestException(string message)
        : base(message)
    {
    }

    public RealGuestException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
