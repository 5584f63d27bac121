using System.Diagnostics;

namespace Spapr.Drc.Conformance.Qemu;

/// <summary>Finds qemu-system-ppc64 once per test run and decides whether the suite runs, skips, or fails.</summary>
public static class QemuAvailability
{
    private static readonly Lazy<string?> Probe = new(FindVersion);

    /// <summary>The binary: $QEMU, else qemu-system-ppc64 on PATH.</summary>
    public static string Binary => Environment.GetEnvironmentVariable("QEMU") is { Length: > 0 } q ? q : "qemu-system-ppc64";

    /// <summary>The first line of <c>--version</c>, or null when the binary cannot be run.</summary>
    public static string? Version => Probe.Value;

    /// <summary>Whether CI demands the peer (a missing QEMU is then a failure, not a skip).</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the suite was switched off explicitly (the Windows CI leg: the qtest driver needs Unix sockets and Debian's QEMU).</summary>
    public static bool IsDisabled => string.Equals(Environment.GetEnvironmentVariable("DRC_CONFORMANCE"), "skip", StringComparison.OrdinalIgnoreCase);

    /// <summary>The skip reason when the suite should skip, else null.</summary>
    public static string? SkipReason => IsDisabled
        ? "QEMU conformance suite skipped: DRC_CONFORMANCE=skip."
        : Version is null && !IsCi
            ? $"QEMU conformance suite skipped: '{Binary}' was not found (install qemu-system-ppc 7.2; with CI=true this is a failure)."
            : null;

    private static string? FindVersion()
    {
        try
        {
            var psi = new ProcessStartInfo(Binary, "--version")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var p = Process.Start(psi);
            if (p is null)
            {
                return null;
            }

            string output = p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(10_000))
            {
                p.Kill(entireProcessTree: true);
                return null;
            }

            return p.ExitCode == 0 ? output.Split('\n')[0].Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
