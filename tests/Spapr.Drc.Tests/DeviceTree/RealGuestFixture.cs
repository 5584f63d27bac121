using System.Text.Json;

namespace Spapr.Drc.Tests.DeviceTree;

/// <summary>
/// The real guest's recordings (tests/Spapr.Drc.RealGuest, copied into the output by the project file): the
/// /proc/device-tree properties of a Linux 6.1 guest under QEMU 7.2, and its RTAS trace of a DIMM's add and remove.
/// </summary>
internal static class RealGuestFixture
{
    private static string Folder => Path.Combine(AppContext.BaseDirectory, "RealGuest");

    /// <summary>The hex-decoded properties of one device-tree fixture, by name.</summary>
    public static Dictionary<string, byte[]> Properties(string fixture)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "DeviceTree", fixture + ".json")));
        var properties = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.GetProperty("properties").EnumerateObject())
        {
            properties.Add(property.Name, Convert.FromHexString(property.Value.GetString()!));
        }

        return properties;
    }

    /// <summary>The return codes of every ibm,configure-connector call the guest made on <paramref name="index"/>, in order.</summary>
    public static List<int> ConfigureConnectorCodes(string trace, uint index)
    {
        string drc = "0x" + index.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
        var codes = new List<int>();
        foreach (string line in File.ReadLines(Path.Combine(Folder, "Traces", trace + ".jsonl")))
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.TryGetProperty("rtas", out var call) && call.GetString() == "ibm,configure-connector"
                && root.GetProperty("drc").GetString() == drc)
            {
                codes.Add(root.GetProperty("rets")[0].GetInt32());
            }
        }

        return codes;
    }
}
