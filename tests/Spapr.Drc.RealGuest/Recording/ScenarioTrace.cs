using System.Text;
using System.Text.Json.Nodes;
using Spapr.Drc.RealGuest.Format;

namespace Spapr.Drc.RealGuest.Recording;

/// <summary>One scenario's trace being assembled: its machine line, then the lines of the phases that belong to it.</summary>
internal sealed class ScenarioTrace
{
    private readonly List<JsonObject> _lines = [];
    private readonly List<string> _notes = [];

    public ScenarioTrace(string name, JsonObject machine)
    {
        Name = name;
        Machine = machine;
    }

    public string Name { get; }

    public JsonObject Machine { get; }

    public bool BestEffort { get; private set; }

    public void Add(PhaseOutcome phase) => _lines.AddRange(phase.Lines.Select(l => (JsonObject)l.DeepClone()));

    /// <summary>A human note in machine.note: what the guest was made to do that has no line kind of its own.</summary>
    public void Note(string text) => _notes.Add(text);

    public void MarkBestEffort(string why)
    {
        BestEffort = true;
        _notes.Add("BEST EFFORT: " + why);
    }

    public string ToJsonLines()
    {
        var machine = (JsonObject)Machine.DeepClone();
        if (BestEffort)
        {
            machine["best_effort"] = true;
        }

        if (_notes.Count > 0)
        {
            machine["note"] = string.Join(" ", _notes);
        }

        var text = new StringBuilder();
        text.Append(JsonLine.Write(new JsonObject { [TraceFormat.MachineKind] = machine })).Append('\n');
        foreach (var line in _lines)
        {
            text.Append(JsonLine.Write(line)).Append('\n');
        }

        return text.ToString();
    }
}
