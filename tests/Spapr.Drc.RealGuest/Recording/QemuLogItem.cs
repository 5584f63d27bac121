using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Spapr.Drc.RealGuest.Recording;

/// <summary>
/// One line of QEMU's trace log the recorder uses: a DRC isolation or allocation change the guest asked for
/// (traced by QEMU for every set-indicator on a connector it knows, before acting on it), a connector attach
/// (device_add), or a QMP event as QEMU sent it (traced where it is emitted, inside the RTAS call that caused it).
/// </summary>
internal sealed partial record QemuLogItem(QemuLogItemKind Kind, uint Drc, uint State, string? EventName, string? DeviceId)
{
    public static QemuLogItem? Parse(string line)
    {
        var m = DrcPattern().Match(line);
        if (m.Success)
        {
            uint drc = uint.Parse(m.Groups["drc"].Value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            uint state = m.Groups["state"].Success ? uint.Parse(m.Groups["state"].Value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture) : 0;
            var kind = m.Groups["what"].Value switch
            {
                "set_isolation_state" => QemuLogItemKind.IsolationState,
                "set_allocation_state" => QemuLogItemKind.AllocationState,
                _ => QemuLogItemKind.Attach,
            };
            return new QemuLogItem(kind, drc, state, null, null);
        }

        m = ResponsePattern().Match(line);
        if (!m.Success)
        {
            return null;
        }

        JsonObject? message;
        try
        {
            message = JsonNode.Parse(m.Groups["json"].Value) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }

        return message?["event"]?.GetValue<string>() is { } name
            ? new QemuLogItem(QemuLogItemKind.Event, 0, 0, name, message["data"]?["device"]?.GetValue<string>())
            : null;
    }

    [GeneratedRegex(@"spapr_drc_(?<what>set_isolation_state|set_allocation_state|attach) drc: 0x(?<drc>[0-9a-f]+)(?:, state: 0x(?<state>[0-9a-f]+))?$")]
    private static partial Regex DrcPattern();

    [GeneratedRegex(@"monitor_qmp_respond mon 0x[0-9a-f]+ resp: (?<json>\{.*\})$")]
    private static partial Regex ResponsePattern();
}
