using System.Text;
using System.Text.Json;

namespace Spapr.Drc.Sim.Runner;

/// <summary>drcsim's <c>--json</c> output: one JSON object per line, for the scenario timeline and the replay alike.</summary>
internal static class JsonLine
{
    /// <summary>Writes the object <paramref name="body"/> fills as one line of <paramref name="output"/>.</summary>
    public static void Write(TextWriter output, Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        output.WriteLine(Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length));
    }
}
