using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lineage.Suspects.Remote;

/// <summary>A tensor as the Open Inference Protocol v2 carries it: name, shape, datatype and a flat row-major list.</summary>
public sealed record WireTensor(string Name, long[] Shape, string Datatype, double[] Data);

/// <summary>Reads and writes Open Inference Protocol v2 JSON. Parsing is strict because the answers come from
/// a party that may be hostile: every shape, type and value is checked, and errors name what was wrong.</summary>
public static class OpenInferenceCodec
{
    public static byte[] InferRequest(string inputName, int[] shape, ReadOnlySpan<float> data)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("inputs");
            w.WriteStartObject();
            w.WriteString("name", inputName);
            w.WriteStartArray("shape"); foreach (var d in shape) w.WriteNumberValue(d); w.WriteEndArray();
            w.WriteString("datatype", "FP32");
            w.WriteStartArray("data"); foreach (var v in data) w.WriteNumberValue(v); w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public static byte[] InferResponse(string modelName, IEnumerable<WireTensor> outputs)
    {
        var root = new JsonObject
        {
            ["model_name"] = modelName,
            ["outputs"] = new JsonArray(outputs.Select(o => (JsonNode)new JsonObject
            {
                ["name"] = o.Name,
                ["shape"] = new JsonArray(o.Shape.Select(d => (JsonNode)JsonValue.Create(d)).ToArray()),
                ["datatype"] = o.Datatype,
                ["data"] = new JsonArray(o.Data.Select(v => (JsonNode)(o.Datatype == "FP32" ? JsonValue.Create((float)v) : JsonValue.Create((long)v))).ToArray()),
            }).ToArray()),
        };
        return JsonSerializer.SerializeToUtf8Bytes(root);
    }

    /// <summary>Parses the "inputs" (requests) or "outputs" (responses) list.</summary>
    public static List<WireTensor> Tensors(byte[] json, string listName, string source)
    {
        JsonNode? root;
        root = HostileJson.Parse(json, source);
        if (root is not JsonObject obj || obj[listName] is not JsonArray list || list.Count == 0)
            throw new InvalidDataException($"{source}: expected a JSON object with a non-empty \"{listName}\" list");
        var tensors = new List<WireTensor>();
        foreach (var item in list)
        {
            if (item is not JsonObject t) throw new InvalidDataException($"{source}: an entry of \"{listName}\" is not an object");
            var name = Text(t, "name", source);
            var datatype = Text(t, "datatype", source);
            if (t["shape"] is not JsonArray shapeNode) throw new InvalidDataException($"{source}: tensor {name} has no shape");
            var shape = shapeNode.Select(d => Number(d, $"tensor {name} shape", source)).Select(d => d >= 0 && d == Math.Floor(d) && d < int.MaxValue ? (long)d
                : throw new InvalidDataException($"{source}: tensor {name} has an invalid shape entry {d}")).ToArray();
            if (t["data"] is not JsonArray dataNode) throw new InvalidDataException($"{source}: tensor {name} has no data list");
            // The protocol allows the data as one flat list or nested row-major lists.
            var values = new List<double>(dataNode.Count);
            Flatten(dataNode, values, name, source);
            var data = values.ToArray();
            long expected = shape.Aggregate(1L, (a, d) => a * d);
            if (expected != data.Length) throw new InvalidDataException($"{source}: tensor {name} declares shape [{string.Join(", ", shape)}] but carries {data.Length} values");
            tensors.Add(new WireTensor(name, shape, datatype, data));
        }
        return tensors;
    }

    static void Flatten(JsonArray list, List<double> into, string name, string source)
    {
        foreach (var item in list)
            if (item is JsonArray inner) Flatten(inner, into, name, source);
            else into.Add(Number(item, $"tensor {name} data[{into.Count}]", source));
    }

    static string Text(JsonObject o, string key, string source) =>
        o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new InvalidDataException($"{source}: a tensor lacks the string field \"{key}\"");

    static double Number(JsonNode? node, string what, string source)
    {
        // JSON has no NaN; some servers emit it as a string, which must be refused like the number would be.
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number) return v.GetValue<double>();
        throw new InvalidDataException($"{source}: {what} is not a number ({node?.ToJsonString() ?? "null"})");
    }
}
