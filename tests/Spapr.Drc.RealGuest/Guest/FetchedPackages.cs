namespace Spapr.Drc.RealGuest.Guest;

/// <summary>The two .deb files the guest is built from, and which kernel it is (pinned or the fallback).</summary>
public sealed record FetchedPackages(
    string KernelPackage,
    string KernelPackageVersion,
    string KernelDeb,
    string BusyboxDeb,
    bool IsPinnedKernel)
{
    public string KernelRelease => GuestPackages.KernelRelease(KernelPackage);
}
