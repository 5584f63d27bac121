using System.Text.Json;
using System.Text.Json.Nodes;

namespace Spapr.Drc.RealGuest.Format;

/// <summary>A trace file read into memory: every line as a JSON object, the machine line first.</summary>
public sealed class TraceDocument
{
    private TraceDocument(string name, IReadOnlyList<JsonObject> lines)
    {
        Name = name;
        Lines = lines;
    }

    /// <summary>The file name (or whatever the caller named the text), for messages.</summary>
    public string Name { get; }

    /// <summary>Every line, the machine line included, in file order.</summary>
    public IReadOnlyList<JsonObject> Lines { get; }

    /// <summary>The object inside the first line's "machine" key, or null when the first line is not a machine line.</summary>
    public JsonObject? Machine => Lines.Count > 0 ? Lines[0][TraceFormat.MachineKind] as JsonObject : null;

    /// <summary>Whether the recorder marked this trace best-effort (the guest did not do what the scenario needs).</summary>
    public bool IsBestEffort => Machine?["best_effort"] is JsonValue v && v.TryGetValue(out bool b) && b;

    public static TraceDocument Load(string path) => Parse(Path.GetFileName(path), File.ReadAllText(path));

    /// <summary>Parses JSON lines; a blank last line is allowed, anything that is not a JSON object is an error naming the line.</summary>
    public static TraceDocument Parse(string name, string text)
    {
        var lines = new List<JsonObject>();
        string[] raw = text.Split('\n');
        for (int i = 0; i < raw.Length; i++)
        {
            string line = raw[i].TrimEnd('\r');
            if (line.Length == 0 && i == raw.Length - 1)
            {
                break;
            }

            JsonNode? node;
            try
            {
                node = JsonNode.Parse(line);
            }
            catch (JsonException ex)
            {
                throw new FormatException($"{name}:{i + 1}: not JSON: {ex.Message}", ex);
            }

            lines.Add(node as JsonObject ?? throw new FormatException($"{name}:{i + 1}: not a JSON object: {line}"));
        }

        return new TraceDocument(name, lines);
    }
}
