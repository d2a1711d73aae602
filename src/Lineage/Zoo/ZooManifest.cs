using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lineage.Zoo;

/// <summary>
/// <c>DIR/manifest.json</c>: what the zoo holds, for the evaluate command and for people. The shape is a contract
/// (documented in docs/zoo.md); add fields only with a new <see cref="FormatName"/>.
/// </summary>
public sealed record ZooManifest
{
    public const string FormatName = "lineage-zoo/1";
    public const string FileName = "manifest.json";

    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        // chains contain "->"; readers of the manifest should see it as written, not as \u003E
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    [JsonPropertyOrder(0)] public string Format { get; init; } = FormatName;
    [JsonPropertyOrder(1)] public required string SpecHash { get; init; }
    [JsonPropertyOrder(2)] public required ZooManifestDataset Dataset { get; init; }
    [JsonPropertyOrder(3)] public required int SplitSeed { get; init; }
    [JsonPropertyOrder(4)] public required IReadOnlyList<ZooManifestModel> Models { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Written to a temporary file beside the target, then renamed over it, so readers never see half a manifest.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson() + "\n");

    public static ZooManifest Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"zoo manifest {path} does not exist", path);
        ZooManifest? m;
        try { m = JsonSerializer.Deserialize<ZooManifest>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a zoo manifest: {e.Message}", e); }
        if (m is null || m.Format != FormatName) throw new InvalidDataException($"{path}: format '{m?.Format}' is not supported (expected {FormatName})");
        return m;
    }
}

/// <summary>The data the zoo's models were trained and tested on: counts after any subset.</summary>
public sealed record ZooManifestDataset
{
    [JsonPropertyOrder(0)] public required string Name { get; init; }
    [JsonPropertyOrder(1)] public required int TrainCount { get; init; }
    [JsonPropertyOrder(2)] public required int TestCount { get; init; }
    [JsonPropertyOrder(3)] public required int DataSeed { get; init; }
}

/// <summary>One declared model. <c>File</c> is relative to the zoo directory; <c>Hash</c> is the model's
/// <see cref="Lineage.Models.ModelFile.Hash"/>; <c>Seconds</c> is the time its own steps took when they were built
/// (null when that record was lost).</summary>
public sealed record ZooManifestModel
{
    [JsonPropertyOrder(0)] public required string Id { get; init; }
    [JsonPropertyOrder(1)] public required string File { get; init; }
    [JsonPropertyOrder(2)] public required string Hash { get; init; }
    [JsonPropertyOrder(3)] public required string Role { get; init; }
    [JsonPropertyOrder(4)] public required string Category { get; init; }
    [JsonPropertyOrder(5)] public required string? Source { get; init; }
    [JsonPropertyOrder(6)] public required string Chain { get; init; }
    [JsonPropertyOrder(7)] public required double? TestAccuracy { get; init; }
    [JsonPropertyOrder(8)] public required double? Seconds { get; init; }
}
