namespace Spapr.Drc.RealGuest.Guest;

/// <summary>
/// The Debian 12 packages the guest is built from. The kernel version is pinned here and nowhere else: the kprobe
/// layout (struct rtas_t, struct pseries_hp_errorlog) is that of Linux 6.1, so a fallback stays within 6.1.
/// </summary>
public static class GuestPackages
{
    /// <summary>The pinned kernel: Debian 12's ppc64le Linux 6.1 (ABI 50, package 6.1.176-1 when recorded).</summary>
    public const string PinnedKernel = "linux-image-6.1.0-50-powerpc64le";

    /// <summary>Used when the pinned kernel is no longer downloadable: the newest "linux-image-6.1.0-N-powerpc64le".</summary>
    public const string FallbackKernelPattern = @"^linux-image-6\.1\.0-[0-9]+-powerpc64le$";

    public const string Busybox = "busybox-static";

    public const string Architecture = "ppc64el";

    /// <summary>"linux-image-6.1.0-50-powerpc64le" -> "6.1.0-50-powerpc64le" (the name of /boot/vmlinux-*).</summary>
    public static string KernelRelease(string kernelPackage) => kernelPackage["linux-image-".Length..];
}
