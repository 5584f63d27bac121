using System.Globalization;

namespace Spapr.Drc.RealGuest.Guest;

/// <summary>
/// CPU time of this process's finished children (QEMU, apt-get, dpkg), from /proc/self/stat's cutime and cstime:
/// the only place Linux keeps it once a child has been reaped.
/// </summary>
public static class HostCpu
{
    /// <summary>USER_HZ: the unit of /proc/*/stat times, 100 on every Linux architecture the recorder runs on.</summary>
    private const double TicksPerSecond = 100;

    public static TimeSpan FinishedChildren()
    {
        try
        {
            string stat = File.ReadAllText("/proc/self/stat");

            // Fields after "pid (comm)": state is field 3; cutime and cstime are fields 16 and 17.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long ticks = long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / TicksPerSecond);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }
}
