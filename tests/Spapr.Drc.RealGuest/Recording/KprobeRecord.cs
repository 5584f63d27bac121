using System.Globalization;
using System.Text.RegularExpressions;

namespace Spapr.Drc.RealGuest.Recording;

/// <summary>
/// One line of the guest's ftrace output (trace_pipe), e.g.
/// <c>kworker/u8:1-24 [000] ..... 65.78: call: (rtas_call+0xc/0x480) token=8221 nargs=2</c>: the task, the event name
/// (our kprobe events are named in the "rg" group) and its fields. Trace markers come through as event
/// <c>tracing_mark_write</c> with the text in <see cref="Location"/>.
/// </summary>
internal sealed partial record KprobeRecord(string Task, int Pid, int Cpu, double Timestamp, string Event, string Location, IReadOnlyDictionary<string, string> Fields, string Raw)
{
    public static KprobeRecord? Parse(string line)
    {
        var m = LinePattern().Match(line);
        if (!m.Success)
        {
            return null;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match f in FieldPattern().Matches(m.Groups["rest"].Value))
        {
            fields[f.Groups[1].Value] = f.Groups[2].Value;
        }

        return new KprobeRecord(
            m.Groups["task"].Value,
            int.Parse(m.Groups["pid"].Value, CultureInfo.InvariantCulture),
            int.Parse(m.Groups["cpu"].Value, CultureInfo.InvariantCulture),
            double.Parse(m.Groups["ts"].Value, CultureInfo.InvariantCulture),
            m.Groups["event"].Value,
            m.Groups["loc"].Success ? m.Groups["loc"].Value : m.Groups["rest"].Value.Trim(),
            fields,
            line);
    }

    public uint UInt(string field) => (uint)long.Parse(Fields[field], CultureInfo.InvariantCulture);

    public int Int(string field) => int.Parse(Fields[field], CultureInfo.InvariantCulture);

    /// <summary>A "{1,2,3}" array field of u32 values.</summary>
    public uint[] UIntArray(string field) =>
        Fields[field].Trim('{', '}').Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => (uint)long.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    [GeneratedRegex(@"^\s*(?<task>.+)-(?<pid>\d+)\s+\[(?<cpu>\d+)\]\s+\S+\s+(?<ts>\d+\.\d+): (?<event>\w+): (?:\((?<loc>[^)]*)\))?(?<rest>.*)$")]
    private static partial Regex LinePattern();

    [GeneratedRegex(@"(\w+)=(\{[^}]*\}|\S+)")]
    private static partial Regex FieldPattern();
}
