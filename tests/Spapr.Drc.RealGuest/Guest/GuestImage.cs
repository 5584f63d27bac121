using System.Globalization;
using System.Text;

namespace Spapr.Drc.RealGuest.Guest;

/// <summary>
/// The guest the recorder boots: Debian's ppc64le vmlinux and an initramfs with busybox and our /init, plus the
/// kernel symbols the probes need. The packages and the extracted vmlinux and busybox are cached across runs; the
/// initramfs is rebuilt into the run's own directory every time (it takes a fraction of a second).
/// </summary>
public sealed class GuestImage
{
    private GuestImage(FetchedPackages packages, string vmlinux, string initrd, KernelSymbols symbols)
    {
        Packages = packages;
        Vmlinux = vmlinux;
        Initrd = initrd;
        Symbols = symbols;
    }

    public FetchedPackages Packages { get; }

    public string Vmlinux { get; }

    public string Initrd { get; }

    public KernelSymbols Symbols { get; }

    /// <summary>Default cache: a folder under the temporary directory, shared by reruns (DRC_REALGUEST_CACHE overrides).</summary>
    public static string DefaultCacheDirectory =>
        Environment.GetEnvironmentVariable("DRC_REALGUEST_CACHE") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Path.GetTempPath(), "spapr-drc-realguest");

    public static GuestImage Prepare(string cacheDirectory, string workDirectory, Action<string> log)
    {
        var packages = PackageFetcher.Fetch(cacheDirectory, log);
        string release = packages.KernelRelease;
        string vmlinux = Path.Combine(cacheDirectory, $"vmlinux-{release}-{packages.KernelPackageVersion}");
        string busybox = Path.Combine(cacheDirectory, "busybox-" + Path.GetFileNameWithoutExtension(packages.BusyboxDeb));
        if (!File.Exists(vmlinux))
        {
            ExtractOne(packages.KernelDeb, $"boot/vmlinux-{release}", vmlinux, cacheDirectory, log);
        }

        if (!File.Exists(busybox))
        {
            ExtractOne(packages.BusyboxDeb, "bin/busybox", busybox, cacheDirectory, log);
        }

        var symbols = KernelSymbols.From(ElfSymbolTable.Read(vmlinux));

        // Rebuilt every run so it always matches GuestInitScript.Text.
        var archive = new NewcArchiveWriter();
        foreach (var dir in new[] { "bin", "dev", "proc", "sys", "tmp" })
        {
            archive.AddDirectory(dir);
        }

        // The console node lets /init's first output reach hvc0 before devtmpfs is mounted.
        archive.AddCharDevice("dev/console", 5, 1);
        archive.AddFile("bin/busybox", File.ReadAllBytes(busybox));
        archive.AddFile("init", Encoding.UTF8.GetBytes(GuestInitScript.Text.Replace("\r\n", "\n", StringComparison.Ordinal)));
        string initrd = Path.Combine(workDirectory, "initrd.cpio.gz");
        File.WriteAllBytes(initrd, archive.Finish());
        return new GuestImage(packages, vmlinux, initrd, symbols);
    }

    /// <summary>dpkg-deb -x into a scratch folder, keep one file, drop the rest (the kernel's modules are not needed).</summary>
    private static void ExtractOne(string deb, string member, string target, string cacheDirectory, Action<string> log)
    {
        string scratch = Path.Combine(cacheDirectory, "extract-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        if (Directory.Exists(scratch))
        {
            Directory.Delete(scratch, recursive: true);
        }

        try
        {
            log($"dpkg-deb -x {Path.GetFileName(deb)}");
            var result = ToolRunner.Run("dpkg-deb", ["-x", deb, scratch]);
            string extracted = Path.Combine(scratch, member);
            if (!result.Succeeded || !File.Exists(extracted))
            {
                throw new RealGuestException($"{Path.GetFileName(deb)} has no {member}: {result.Describe()}");
            }

            File.Move(extracted, target + ".partial", overwrite: true);
            File.Move(target + ".partial", target, overwrite: true);
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }
}
