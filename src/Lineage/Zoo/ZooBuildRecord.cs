using Lineage.Files;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lineage.Zoo;

/// <summary>
/// <c>models/&lt;hash&gt;.json</c> beside each model file: the recipe its name is the hash of (so a cache entry can be
/// read and checked by a person) and how long the step took, which the manifest reports even when a later run
/// finds the model cached. Written before the model, so a model file always has one unless it was deleted by hand.
/// </summary>
public sealed record ZooBuildRecord(string Where, double Seconds, string BuiltUtc, JsonNode? Recipe)
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>Null when the record is missing or unreadable; it only carries timings, so nothing depends on it.</summary>
    public static ZooBuildRecord? TryLoad(string path)
    {
        try { return File.Exists(path) ? JsonSerializer.Deserialize<ZooBuildRecord>(File.ReadAllText(path), Json) : null; }
        catch (JsonException) { return null; }
    }
}
