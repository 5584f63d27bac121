using System.Diagnostics;

namespace Spapr.Drc.RealGuest.Guest;

/// <summary>Runs the host tools the recorder needs (dpkg, apt-get, dpkg-deb), with a time limit.</summary>
internal static class ToolRunner
{
    public static ToolResult Run(string file, IEnumerable<string> arguments, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        // apt-get must not ask questions or page its output.
        psi.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        string commandLine = file + " " + string.Join(' ', psi.ArgumentList);
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new RealGuestException($"'{commandLine}' did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new RealGuestException($"'{file}' cannot be run ({ex.Message}): the real-guest recorder needs Debian's dpkg and apt-get.", ex);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            var limit = timeout ?? TimeSpan.FromMinutes(5);
            if (!process.WaitForExit(limit))
            {
                process.Kill(entireProcessTree: true);
                throw new RealGuestException($"'{commandLine}' did not finish within {limit.TotalSeconds} s.");
            }

            process.WaitForExit();
            return new ToolResult(commandLine, process.ExitCode, stdout.Result, stderr.Result);
        }
    }
}
