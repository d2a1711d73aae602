using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lineage.Suspects.Remote;

/// <summary>A tensor's declared name, type and shape in model metadata (-1 marks a variable axis).</summary>
public sealed record TensorMetadata(string Name, string Datatype, long[] Shape);

/// <summary>The answer to GET {base}/v2/models/{name}: what the model takes and returns. <see cref="Classes"/>
/// is a Lineage extension ("parameters": {"classes": N}) that lets guarded label-only or top-k
/// endpoints still say how many classes exist.</summary>
public sealed record ModelMetadata(string Name, IReadOnlyList<TensorMetadata> Inputs, IReadOnlyList<TensorMetadata> Outputs, int? Classes)
{
    public byte[] ToJson()
    {
        static JsonArray List(IEnumerable<TensorMetadata> ts) => new(ts.Select(t => (JsonNode)new JsonObject
        {
            ["name"] = t.Name,
            ["datatype"] = t.Datatype,
            ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)JsonValue.Create(d)).ToArray()),
        }).ToArray());
        var root = new JsonObject { ["name"] = Name, ["versions"] = new JsonArray(), ["platform"] = "lineage", ["inputs"] = List(Inputs), ["outputs"] = List(Outputs) };
        if (Classes is int c) root["parameters"] = new JsonObject { ["classes"] = c };
        return JsonSerializer.SerializeToUtf8Bytes(root);
    }

    public static ModelMetadata Parse(byte[] json, string source)
    {
        try
        {
            if (HostileJson.Parse(json, source, "model metadata") is not JsonObject root) throw new InvalidDataException($"{source}: model metadata is not a JSON object");
            List<TensorMetadata> List(string key)
            {
                if (root[key] is not JsonArray a) throw new InvalidDataException($"{source}: model metadata has no \"{key}\" list");
                return a.Select(n => n is JsonObject t
                    ? new TensorMetadata(t["name"]?.GetValue<string>() ?? throw new InvalidDataException($"{source}: a metadata tensor has no name"),
                        t["datatype"]?.GetValue<string>() ?? "",
                        (t["shape"] as JsonArray)?.Select(d => d!.GetValue<long>()).ToArray() ?? [])
                    : throw new InvalidDataException($"{source}: a metadata tensor is not an object")).ToList();
            }
            int? classes = root["parameters"]?["classes"]?.GetValue<int>();
            return new ModelMetadata(root["name"]?.GetValue<string>() ?? "", List("inputs"), List("outputs"), classes);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or NullReferenceException)
        {
            throw new InvalidDataException($"{source}: malformed model metadata ({e.Message})");
        }
    }
}
