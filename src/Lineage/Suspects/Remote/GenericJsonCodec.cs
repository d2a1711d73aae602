using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lineage.Suspects.Remote;

/// <summary>
/// The escape hatch for APIs that do not speak the Open Inference Protocol: the request is a template in
/// which the quoted placeholder <c>"$images"</c> is replaced by the batch (nested [n][c][h][w] arrays or one
/// flat list), and the answer is the array found at a dotted path (object keys and list indices).
/// </summary>
public static class GenericJsonCodec
{
    public const string Placeholder = "\"$images\"";

    public static byte[] Request(string template, int[] shape, ReadOnlySpan<float> data, bool nested)
    {
        int at = template.IndexOf(Placeholder, StringComparison.Ordinal);
        if (at < 0) throw new ArgumentException($"the body template must contain the placeholder {Placeholder}");
        var images = new StringBuilder(data.Length * 10);
        if (nested) Nest(images, shape, 0, data, 0);
        else
        {
            images.Append('[');
            for (int i = 0; i < data.Length; i++) { if (i > 0) images.Append(','); images.Append(data[i].ToString("R", CultureInfo.InvariantCulture)); }
            images.Append(']');
        }
        return Encoding.UTF8.GetBytes(string.Concat(template.AsSpan(0, at), images.ToString(), template.AsSpan(at + Placeholder.Length)));
    }

    static int Nest(StringBuilder sb, int[] shape, int axis, ReadOnlySpan<float> data, int offset)
    {
        sb.Append('[');
        for (int i = 0; i < shape[axis]; i++)
        {
            if (i > 0) sb.Append(',');
            if (axis == shape.Length - 1) sb.Append(data[offset++].ToString("R", CultureInfo.InvariantCulture));
            else offset = Nest(sb, shape, axis + 1, data, offset);
        }
        sb.Append(']');
        return offset;
    }

    /// <summary>All numbers under the path, flattened row-major.</summary>
    public static double[] Answer(byte[] json, string path, string source)
    {
        JsonNode? node;
        node = HostileJson.Parse(json, source);
        foreach (var part in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
            node = node switch
            {
                JsonObject o => o[part],
                JsonArray a when int.TryParse(part, out int i) && i >= 0 && i < a.Count => a[i],
                _ => null,
            } ?? throw new InvalidDataException($"{source}: the answer has nothing at \"{path}\" (stopped at \"{part}\")");
        var values = new List<double>();
        Flatten(node, values, source, path);
        return values.ToArray();
    }

    static void Flatten(JsonNode? node, List<double> into, string source, string path)
    {
        if (node is JsonArray a) { foreach (var item in a) Flatten(item, into, source, path); return; }
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number) { into.Add(v.GetValue<double>()); return; }
        throw new InvalidDataException($"{source}: \"{path}\" holds a non-number ({node?.ToJsonString() ?? "null"})");
    }
}
