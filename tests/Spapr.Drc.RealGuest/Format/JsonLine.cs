using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Spapr.Drc.RealGuest.Format;

/// <summary>
/// Writes a JSON value on one line in the style of the examples (<c>{"a": 1, "b": [2, 3]}</c>), keeping
/// property order. Strings are escaped minimally so QEMU's error texts stay readable in the committed files.
/// </summary>
public static class JsonLine
{
    private static readonly JsonSerializerOptions StringOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write(JsonNode? node)
    {
        var sb = new StringBuilder();
        Append(sb, node);
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, JsonNode? node)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject obj:
                sb.Append('{');
                bool firstProperty = true;
                foreach (var (name, value) in obj)
                {
                    if (!firstProperty)
                    {
                        sb.Append(", ");
                    }

                    firstProperty = false;
                    sb.Append(JsonSerializer.Serialize(name, StringOptions)).Append(": ");
                    Append(sb, value);
                }

                sb.Append('}');
                break;
            case JsonArray array:
                sb.Append('[');
                for (int i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }

                    Append(sb, array[i]);
                }

                sb.Append(']');
                break;
            case JsonValue value when value.TryGetValue(out string? text):
                sb.Append(JsonSerializer.Serialize(text, StringOptions));
                break;
            case JsonValue value when value.TryGetValue(out bool flag):
                sb.Append(flag ? "true" : "false");
                break;
            default:
                // Numbers: System.Text.Json already writes them culture-invariantly.
                sb.Append(node.ToJsonString());
                break;
        }
    }
}
