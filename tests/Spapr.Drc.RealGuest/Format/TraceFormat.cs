using System.Globalization;

namespace Spapr.Drc.RealGuest.Format;

/// <summary>
/// The JSON-lines trace format of issue 15, section 2, in one place: the line kinds, the RTAS call and QMP event
/// names a trace may use, and the one value convention (DRC indexes are "0x%08x" strings, everything else a number).
/// </summary>
public static class TraceFormat
{
    public const string MachineKind = "machine";
    public const string HostKind = "host";
    public const string RtasKind = "rtas";
    public const string QmpKind = "qmp";

    public const string DeviceAdd = "device_add";
    public const string DeviceDel = "device_del";

    public const string CheckException = "check-exception";
    public const string GetSensorState = "get-sensor-state";
    public const string SetIndicator = "set-indicator";
    public const string ConfigureConnector = "ibm,configure-connector";

    public const string DeviceDeleted = "DEVICE_DELETED";
    public const string DeviceUnplugGuestError = "DEVICE_UNPLUG_GUEST_ERROR";

    /// <summary>PAPR indicator and sensor numbers the guest passes as the first argument.</summary>
    public const int IsolationStateIndicator = 9001;
    public const int DrIndicator = 9002;
    public const int AllocationStateIndicator = 9003;
    public const int DrEntitySenseSensor = 9003;

    /// <summary>The kinds a line after the first may have; the first line is always the machine line.</summary>
    public static IReadOnlyList<string> EventLineKinds { get; } = [HostKind, RtasKind, QmpKind];

    /// <summary>The DRC RTAS calls a trace records (other RTAS calls the guest makes are not DRC calls).</summary>
    public static IReadOnlyList<string> RtasCalls { get; } = [CheckException, GetSensorState, SetIndicator, ConfigureConnector];

    /// <summary>The QMP events a trace records: the two that say how a device's unplug ended.</summary>
    public static IReadOnlyList<string> QmpEvents { get; } = [DeviceDeleted, DeviceUnplugGuestError];

    /// <summary>Device types of a device_add line.</summary>
    public static IReadOnlyList<string> DeviceTypes { get; } = ["cpu", "lmb", "pci", "phb"];

    public static string FormatIndex(uint index) => "0x" + index.ToString("x8", CultureInfo.InvariantCulture);

    /// <summary>Parses an index written by <see cref="FormatIndex"/> (exactly "0x" and 8 lowercase hex digits).</summary>
    public static bool TryParseIndex(string? text, out uint index)
    {
        index = 0;
        if (text is not { Length: 10 } || !text.StartsWith("0x", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (char c in text.AsSpan(2))
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return uint.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out index);
    }
}
