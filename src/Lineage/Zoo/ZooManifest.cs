using Lineage.Files;
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

    /// <summary>The zoo folder this manifest was loaded from (model files are relative to it).</summary>
    [JsonIgnore] public string Directory { get; init; } = "";
    [JsonIgnore] public IReadOnlyList<ZooManifestModel> Sources => Models.Where(m => m.Role == ZooManifestModel.SourceRole).ToList();

    /// <summary>The source to fingerprint: the one named, or the only one. A zoo may hold several sources (each with
    /// its own stolen models); then the caller must name one.</summary>
    public ZooManifestModel SourceFor(string? id)
    {
        var sources = Sources;
        var names = string.Join(", ", sources.Select(m => m.Id));
        if (id is null)
            return sources.Count == 1 ? sources[0]
                : throw new ArgumentException($"the zoo in {Directory} has {sources.Count} sources ({names}); name the one to fingerprint (--source)");
        return sources.FirstOrDefault(m => m.Id == id)
               ?? throw new ArgumentException($"the zoo in {Directory} has no source '{id}'; its sources: {names}");
    }

    /// <summary>What to judge against one source: the models stolen from it and every independent model. Models
    /// stolen from another source of the zoo are left out (they are neither this source's copies nor models
    /// trained independently of every source).</summary>
    public IReadOnlyList<ZooManifestModel> SuspectsOf(ZooManifestModel source)
    {
        var suspects = Models.Where(m => m.Role == ZooManifestModel.IndependentRole || (m.Role == ZooManifestModel.StolenRole && m.Source == source.Id)).ToList();
        if (!suspects.Any(m => m.Role == ZooManifestModel.StolenRole))
            throw new InvalidDataException($"the zoo in {Directory} has no models stolen from '{source.Id}' to evaluate");
        return suspects;
    }

    public string PathOf(ZooManifestModel model) => Path.Combine(Directory, model.File);

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

    /// <summary>Loads DIR/manifest.json for evaluation, checking that it is complete: known roles, unique ids,
    /// one source, at least one stolen and one independent model, and every model file present.</summary>
    public static ZooManifest LoadDirectory(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) throw new FileNotFoundException($"zoo directory {directory} does not exist", directory);
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist: {directory} is not a zoo (expected a {FormatName} manifest)", path);
        var manifest = Load(path) with { Directory = Path.GetFullPath(directory) };
        manifest.Check(path);
        return manifest;
    }

    void Check(string path)
    {
        string[] roles = [ZooManifestModel.SourceRole, ZooManifestModel.StolenRole, ZooManifestModel.IndependentRole];
        foreach (var m in Models)
        {
            if (string.IsNullOrWhiteSpace(m.Id)) throw new InvalidDataException($"{path}: a model has no id");
            if (!roles.Contains(m.Role)) throw new InvalidDataException($"{path}: model '{m.Id}' has role '{m.Role}'; expected one of {string.Join(", ", roles)}");
            if (!File.Exists(PathOf(m))) throw new FileNotFoundException($"{path}: model '{m.Id}' names the file {m.File}, which is missing from {Directory}", PathOf(m));
        }
        var duplicate = Models.GroupBy(m => m.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null) throw new InvalidDataException($"{path}: model id '{duplicate.Key}' appears {duplicate.Count()} times");
        if (!Models.Any(m => m.Role == ZooManifestModel.SourceRole)) throw new InvalidDataException($"{path}: expected at least one model with role 'source', found none");
        if (!Models.Any(m => m.Role == ZooManifestModel.StolenRole)) throw new InvalidDataException($"{path}: the zoo has no stolen models to evaluate");
        if (!Models.Any(m => m.Role == ZooManifestModel.IndependentRole)) throw new InvalidDataException($"{path}: the zoo has no independent models to evaluate against");
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
    public const string SourceRole = "source", StolenRole = "stolen", IndependentRole = "independent";

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
