using System.Text.Json;
using System.Text.Json.Serialization;
using Lineage.Files;

namespace Lineage.Kits;

/// <summary>
/// <c>kit.json</c> (<c>lineage-kit/1</c>): what a kit was built for (the source's hash and file name, the owner's
/// data and the input declaration) and every model in it, with its role, architecture, how it was made, its hash,
/// file (relative to the kit directory) and test accuracy. <see cref="OwnerKit.Load"/> reads and checks it.
/// </summary>
public sealed record KitManifest
{
    public const string FormatName = "lineage-kit/1";
    public const string FileName = "kit.json";

    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    [JsonPropertyOrder(0)] public string Format { get; init; } = FormatName;
    [JsonPropertyOrder(1)] public required KitManifestSource Source { get; init; }
    [JsonPropertyOrder(2)] public required KitManifestDataset Dataset { get; init; }
    [JsonPropertyOrder(3)] public required KitManifestInput Input { get; init; }
    [JsonPropertyOrder(4)] public required string Size { get; init; }
    /// <summary>The zoo spec the kit was built from (kept in the kit directory as spec.json).</summary>
    [JsonPropertyOrder(5)] public required string SpecHash { get; init; }
    [JsonPropertyOrder(6)] public required IReadOnlyList<KitManifestModel> Models { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson() + "\n");

    public static KitManifest Parse(string json, string path)
    {
        KitManifest? m;
        try { m = JsonSerializer.Deserialize<KitManifest>(json, Json); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a kit manifest: {e.Message}", e); }
        if (m is null) throw new InvalidDataException($"{path}: empty kit manifest");
        if (m.Format != FormatName) throw new InvalidDataException($"{path}: format '{m.Format}' is not supported (expected {FormatName})");
        return m;
    }
}

/// <summary>The source a kit belongs to: its hash (<c>ModelFile.Hash</c>, or the SHA-256 of an ONNX file), file name,
/// kind (<c>lineage-model</c> or <c>onnx</c>) and architecture (<c>imported</c> for ONNX).</summary>
public sealed record KitManifestSource
{
    [JsonPropertyOrder(0)] public required string Hash { get; init; }
    [JsonPropertyOrder(1)] public required string File { get; init; }
    [JsonPropertyOrder(2)] public required string Kind { get; init; }
    [JsonPropertyOrder(3)] public required string Architecture { get; init; }
}

/// <summary>The owner's data: dataset name, the generated counts (shapes) or class-balanced subsets, the data and
/// split seeds, the half used (always <c>defender</c>; the references' half when it is the other one) and the images the models trained and were tested on.</summary>
public sealed record KitManifestDataset
{
    [JsonPropertyOrder(0)] public required string Name { get; init; }
    [JsonPropertyOrder(1)] public int? TrainCount { get; init; }
    [JsonPropertyOrder(2)] public int? TestCount { get; init; }
    [JsonPropertyOrder(3)] public int? TrainSubset { get; init; }
    [JsonPropertyOrder(4)] public int? TestSubset { get; init; }
    [JsonPropertyOrder(5)] public required int DataSeed { get; init; }
    [JsonPropertyOrder(6)] public required int SplitSeed { get; init; }
    [JsonPropertyOrder(7)] public required string Part { get; init; }
    [JsonPropertyOrder(8)] public required int OwnerImages { get; init; }
    [JsonPropertyOrder(9)] public required int TestImages { get; init; }
    /// <summary>"attacker" when the references trained on the half the source never saw (NaturalFinger's split);
    /// absent when they trained on the owner's half, as every other model of the kit.</summary>
    [JsonPropertyOrder(10), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ReferencePart { get; init; }
}

/// <summary>The source's input: the declaration (<c>raw</c>, <c>dataset</c>, <c>mean=…,std=…</c>, or <c>model file</c>
/// when the source declares its own) and the preprocessing it resolved to.</summary>
public sealed record KitManifestInput
{
    [JsonPropertyOrder(0)] public required string Declaration { get; init; }
    [JsonPropertyOrder(1)] public required float[] Mean { get; init; }
    [JsonPropertyOrder(2)] public required float[] Std { get; init; }
    [JsonPropertyOrder(3)] public required int[] Shape { get; init; }
}

public sealed record KitManifestModel
{
    public const string ReferenceRole = "reference", SurrogateRole = "surrogate";

    [JsonPropertyOrder(0)] public required string Id { get; init; }
    [JsonPropertyOrder(1)] public required string Role { get; init; }
    [JsonPropertyOrder(2)] public required string Architecture { get; init; }
    /// <summary>How it was made in a few words: "train seed=1001", "extract-l arch=lenet5 seed=1103".</summary>
    [JsonPropertyOrder(3)] public required string Origin { get; init; }
    /// <summary>The full lineage chain in words (every parameter resolved).</summary>
    [JsonPropertyOrder(4)] public required string Chain { get; init; }
    [JsonPropertyOrder(5)] public required string Hash { get; init; }
    [JsonPropertyOrder(6)] public required string File { get; init; }
    [JsonPropertyOrder(7)] public required double? TestAccuracy { get; init; }
    [JsonPropertyOrder(8)] public double? Seconds { get; init; }
}
