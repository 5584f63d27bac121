using System.Text.Json.Nodes;
using Spapr.Drc.RealGuest.Format;

namespace Spapr.Drc.RealGuest.Recording;

/// <summary>
/// One DRC RTAS call the guest made, as the firmware saw it: the input cells, the return cells (signed), and for
/// configure-connector the DRC index in the work area; for check-exception the error log it returned.
/// </summary>
internal sealed record GuestRtasCall(string Name, uint[] Args, int[] Rets, uint WorkAreaDrc, byte[]? Log, string Task)
{
    /// <summary>The trace line of issue 15 section 2.</summary>
    public JsonObject ToTraceLine()
    {
        var rets = new JsonArray(Rets.Select(r => (JsonNode?)JsonValue.Create(r)).ToArray());
        switch (Name)
        {
            case TraceFormat.ConfigureConnector:
                return new JsonObject { ["rtas"] = Name, ["drc"] = TraceFormat.FormatIndex(WorkAreaDrc), ["rets"] = rets };
            case TraceFormat.GetSensorState:
                return new JsonObject { ["rtas"] = Name, ["args"] = new JsonArray((long)Args[0], TraceFormat.FormatIndex(Args[1])), ["rets"] = rets };
            case TraceFormat.SetIndicator:
                return new JsonObject { ["rtas"] = Name, ["args"] = new JsonArray((long)Args[0], TraceFormat.FormatIndex(Args[1]), (long)Args[2]), ["rets"] = rets };
            default:
                var line = new JsonObject
                {
                    ["rtas"] = Name,
                    ["args"] = new JsonArray(Args.Select(a => (JsonNode?)JsonValue.Create((long)a)).ToArray()),
                    ["rets"] = rets,
                };
                if (Rets.Length > 0 && Rets[0] == 0 && Log is not null)
                {
                    line["event"] = HotplugEventDecoder.Decode(Log);
                }

                return line;
        }
    }
}
