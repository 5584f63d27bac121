namespace Spapr.Drc.RealGuest.Tests;

/// <summary>
/// The environment switches of the recording test: it records under CI=true or DRC_REALGUEST=record, is skipped
/// otherwise (and always with DRC_REALGUEST=skip, and on other systems than Linux: the recorder needs Debian's
/// dpkg/apt and QEMU's Unix sockets); DRC_REALGUEST_OUTPUT names where the fresh files go.
/// </summary>
public static class RealGuestSettings
{
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string Mode => Environment.GetEnvironmentVariable("DRC_REALGUEST")?.Trim().ToLowerInvariant() ?? string.Empty;

    public static bool ShouldRecord => OperatingSystem.IsLinux() && (Mode == "record" || (IsCi && Mode != "skip"));

    /// <summary>
    /// Where a recording writes Traces/ and DeviceTree/; null means a temporary folder deleted afterwards. A relative
    /// path is taken from the shell's directory ($PWD): the test host itself runs in the build output folder.
    /// </summary>
    public static string? OutputDirectory =>
        Environment.GetEnvironmentVariable("DRC_REALGUEST_OUTPUT") is { Length: > 0 } dir
            ? Path.GetFullPath(dir, Environment.GetEnvironmentVariable("PWD") is { Length: > 0 } shell ? shell : Environment.CurrentDirectory)
            : null;

    /// <summary>DRC_REALGUEST_KEEP=1 keeps the raw console, kprobe and QEMU logs of a recording.</summary>
    public static bool KeepWorkDirectory => Environment.GetEnvironmentVariable("DRC_REALGUEST_KEEP") == "1";

    public static string? SkipReason
    {
        get
        {
            if (ShouldRecord)
            {
                return null;
            }

            if (!OperatingSystem.IsLinux())
            {
                return "Real-guest recording skipped: it needs Linux (Debian's apt and qemu-system-ppc64); the committed traces are checked without QEMU.";
            }

            return Mode == "skip"
                ? "Real-guest recording skipped: DRC_REALGUEST=skip."
                : "Real-guest recording skipped: set DRC_REALGUEST=record (CI=true does) to boot Linux under qemu-system-ppc64 and record every scenario afresh; the committed traces are checked without QEMU.";
        }
    }
}
