using System.Globalization;
using System.Text;

namespace Spapr.Drc.Benchmarks;

/// <summary>
/// One line of the smoke mode's output. <see cref="LimitOn"/> says what the limit bounds: the ratio to the
/// baseline (time targets), or the value itself (bytes, counts). A result without a limit is a comparison the
/// README reports, not a target, and is always ok.
/// </summary>
internal sealed record SmokeResult(string Target, string Unit, double Value, double? Baseline, double? Limit, string LimitOn = "ratio")
{
    public double? Ratio => Baseline is > 0 ? Value / Baseline.Value : null;

    public bool Ok => Limit is not { } limit || (LimitOn == "ratio" ? Ratio <= limit : Value <= limit);

    public string ToJson()
    {
        var json = new StringBuilder();
        json.Append(CultureInfo.InvariantCulture, $"{{\"target\": \"{Target}\", \"unit\": \"{Unit}\", \"value\": {Number(Value)}, ");
        json.Append(CultureInfo.InvariantCulture, $"\"baseline\": {Number(Baseline)}, \"ratio\": {Number(Ratio)}, \"limit\": {Number(Limit)}, ");
        json.Append(CultureInfo.InvariantCulture, $"\"limit_on\": \"{(Limit is null ? "none" : LimitOn)}\", \"ok\": {(Ok ? "true" : "false")}}}");
        return json.ToString();
    }

    private static string Number(double? value) =>
        value is { } v && double.IsFinite(v) ? Math.Round(v, 3).ToString("0.###", CultureInfo.InvariantCulture) : "null";
}
