using System.Globalization;
using System.Text.RegularExpressions;

namespace Spapr.Drc.RealGuest.Guest;

/// <summary>
/// Gets the ppc64el kernel and busybox with apt-get download into a cache directory, adding the architecture and
/// updating the package lists only when needed, so reruns cost nothing. Falls back to the newest 6.1 kernel when the
/// pinned one is gone, and says so; fails with the apt output when no kernel can be had.
/// </summary>
internal static partial class PackageFetcher
{
    /// <param name="cacheDirectory">Where the .deb files are kept between runs.</param>
    /// <param name="log">Progress.</param>
    /// <param name="pinnedKernel">Always <see cref="GuestPackages.PinnedKernel"/>, except in the test of the fallback.</param>
    public static FetchedPackages Fetch(string cacheDirectory, Action<string> log, string pinnedKernel = GuestPackages.PinnedKernel)
    {
        string debs = Path.Combine(cacheDirectory, "debs");
        Directory.CreateDirectory(debs);

        // Reruns: both pinned packages already downloaded, no apt at all.
        if (FindDeb(debs, pinnedKernel) is { } cachedKernel && FindDeb(debs, GuestPackages.Busybox) is { } cachedBusybox)
        {
            return new FetchedPackages(pinnedKernel, DebVersion(cachedKernel), cachedKernel, cachedBusybox, IsPinnedKernel: true);
        }

        bool listsFresh = EnsureArchitecture(log);
        string kernel = pinnedKernel;
        bool pinned = true;
        string? kernelDeb = FindDeb(debs, kernel) ?? TryDownload(debs, kernel, log);
        if (kernelDeb is null && !listsFresh)
        {
            // The lists may be stale (the architecture was added long ago and the archive moved on): refresh once
            // before giving up on the pinned kernel.
            UpdateLists(log);
            kernelDeb = TryDownload(debs, kernel, log);
        }

        if (kernelDeb is null)
        {
            pinned = false;
            kernel = NewestFallbackKernel()
                ?? throw new RealGuestException(
                    $"Kernel package {pinnedKernel}:{GuestPackages.Architecture} is not downloadable and no other " +
                    $"linux-image-6.1.0-*-powerpc64le is known to apt (is Debian 12 main reachable? see 'apt-get update').");
            log($"pinned kernel {pinnedKernel} is not downloadable; falling back to {kernel}");
            kernelDeb = FindDeb(debs, kernel) ?? TryDownload(debs, kernel, log)
                ?? throw new RealGuestException($"Kernel package {pinnedKernel} is gone and the fallback {kernel}:{GuestPackages.Architecture} did not download either.");
        }

        string busyboxDeb = FindDeb(debs, GuestPackages.Busybox) ?? TryDownload(debs, GuestPackages.Busybox, log)
            ?? throw new RealGuestException($"Package {GuestPackages.Busybox}:{GuestPackages.Architecture} is not downloadable (is Debian 12 main reachable?).");
        return new FetchedPackages(kernel, DebVersion(kernelDeb), kernelDeb, busyboxDeb, pinned);
    }

    /// <summary>Adds ppc64el to dpkg's architectures if missing; returns true when it had to (the lists were then updated).</summary>
    private static bool EnsureArchitecture(Action<string> log)
    {
        var foreign = ToolRunner.Run("dpkg", ["--print-foreign-architectures"]);
        if (foreign.Output.Split('\n').Any(a => a.Trim() == GuestPackages.Architecture))
        {
            return false;
        }

        log($"dpkg --add-architecture {GuestPackages.Architecture}");
        var add = ToolRunner.Run("dpkg", ["--add-architecture", GuestPackages.Architecture]);
        if (!add.Succeeded)
        {
            throw new RealGuestException($"Cannot add the {GuestPackages.Architecture} architecture (the recorder must run as root): {add.Describe()}");
        }

        UpdateLists(log);
        return true;
    }

    private static void UpdateLists(Action<string> log)
    {
        // Exit status ignored on purpose: a mirror in sync (bookworm-security's ppc64el index, often) fails the
        // whole command although the main archive, which is all we need, was read. Availability is checked after.
        log("apt-get update");
        var update = ToolRunner.Run("apt-get", ["update", "-q", "-o", "DPkg::Lock::Timeout=120"], timeout: TimeSpan.FromMinutes(4));
        if (!update.Succeeded)
        {
            log("apt-get update reported errors (ignored when the packages are found): " + update.Describe());
        }
    }

    private static string? TryDownload(string debs, string package, Action<string> log)
    {
        // Download into a scratch folder and move, so an interrupted download never looks like a cached package.
        string scratch = Path.Combine(debs, "partial-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(scratch);
        try
        {
            log($"apt-get download {package}:{GuestPackages.Architecture}");
            var download = ToolRunner.Run("apt-get", ["download", "-q", $"{package}:{GuestPackages.Architecture}"], scratch, TimeSpan.FromMinutes(4));
            if (!download.Succeeded || FindDeb(scratch, package) is not { } deb)
            {
                log("download failed: " + download.Describe());
                return null;
            }

            string target = Path.Combine(debs, Path.GetFileName(deb));
            File.Move(deb, target, overwrite: true);
            return target;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static string? NewestFallbackKernel()
    {
        var search = ToolRunner.Run("apt-cache", ["search", "--names-only", GuestPackages.FallbackKernelPattern]);
        return search.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ')[0])
            .Select(name => (Name: name, Abi: AbiNumber().Match(name)))
            .Where(x => x.Abi.Success)
            .OrderByDescending(x => int.Parse(x.Abi.Groups[1].Value, CultureInfo.InvariantCulture))
            .Select(x => x.Name)
            .FirstOrDefault();
    }

    private static string? FindDeb(string directory, string package) =>
        Directory.Exists(directory)
            ? Directory.GetFiles(directory, $"{package}_*_{GuestPackages.Architecture}.deb").OrderDescending(StringComparer.Ordinal).FirstOrDefault()
            : null;

    private static string DebVersion(string deb)
    {
        var field = ToolRunner.Run("dpkg-deb", ["-f", deb, "Version"]);
        return field.Succeeded ? field.Output.Trim() : "unknown";
    }

    [GeneratedRegex(@"^linux-image-6\.1\.0-([0-9]+)-powerpc64le$")]
    private static partial Regex AbiNumber();
}
