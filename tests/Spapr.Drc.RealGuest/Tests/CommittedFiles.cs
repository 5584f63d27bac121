using Spapr.Drc.RealGuest.Format;
using Spapr.Drc.RealGuest.Recording;

namespace Spapr.Drc.RealGuest.Tests;

/// <summary>The committed recordings, as copied next to the test assembly.</summary>
public static class CommittedFiles
{
    public static string TracesDirectory => Path.Combine(AppContext.BaseDirectory, RealGuestRecorder.TracesFolder);

    public static string DeviceTreeDirectory => Path.Combine(AppContext.BaseDirectory, RealGuestRecorder.DeviceTreeFolder);

    public static string Trace(string scenario) => Path.Combine(TracesDirectory, ScenarioCatalog.FileName(scenario));

    public static string Fixture(string name) => Path.Combine(DeviceTreeDirectory, name);
}
