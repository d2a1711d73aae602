using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lineage.Evaluation;

/// <summary>The dataset a zoo was built on, so the evaluation can rebuild the owner's half of it.</summary>
public sealed record ZooDataset
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("train_count")] public int TrainCount { get; init; }
    [JsonPropertyName("test_count")] public int TestCount { get; init; }
    [JsonPropertyName("data_seed")] public int DataSeed { get; init; }
}

/// <summary>One model of a zoo: where its file is, its known lineage (role and attack category) and accuracy.</summary>
public sealed record ZooModel
{
    public const string SourceRole = "source", StolenRole = "stolen", IndependentRole = "independent";

    [JsonPropertyName("id")] public required string Id { get; init; }
    /// <summary>Relative to the zoo directory.</summary>
    [JsonPropertyName("file")] public required string File { get; init; }
    [JsonPropertyName("hash")] public string Hash { get; init; } = "";
    [JsonPropertyName("role")] public required string Role { get; init; }
    [JsonPropertyName("category")] public required string Category { get; init; }
    [JsonPropertyName("source")] public string? Source { get; init; }
    [JsonPropertyName("chain")] public string? Chain { get; init; }
    [JsonPropertyName("test_accuracy")] public double? TestAccuracy { get; init; }
    [JsonPropertyName("seconds")] public double? Seconds { get; init; }
}

/// <summary>
/// A zoo's <c>manifest.json</c> (format <c>lineage-zoo/1</c>): the dataset and split seed it was built on and
/// every model with its role (source, stolen, independent). <see cref="Load"/> checks what the evaluation
/// relies on — exactly one source, every model file present, unique ids — so a bad zoo fails before any work.
/// </summary>
public sealed record ZooManifest
{
    public const string Format = "lineage-zoo/1";
    public const string FileName = "manifest.json";

    [JsonPropertyName("format")] public required string FormatName { get; init; }
    [JsonPropertyName("spec_hash")] public string SpecHash { get; init; } = "";
    [JsonPropertyName("dataset")] public required ZooDataset Dataset { get; init; }
    [JsonPropertyName("split_seed")] public int SplitSeed { get; init; }
    [JsonPropertyName("models")] public required IReadOnlyList<ZooModel> Models { get; init; }

    /// <summary>The zoo directory the manifest was read from (model paths are relative to it).</summary>
    [JsonIgnore] public string Directory { get; init; } = "";

    [JsonIgnore] public ZooModel Source => Models.Single(m => m.Role == ZooModel.SourceRole);
    /// <summary>Every model to judge: stolen and independent ones, in manifest order.</summary>
    [JsonIgnore] public IReadOnlyList<ZooModel> Suspects => Models.Where(m => m.Role != ZooModel.SourceRole).ToList();

    public string PathOf(ZooModel model) => Path.Combine(Directory, model.File);

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static ZooManifest Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!System.IO.Directory.Exists(directory)) throw new FileNotFoundException($"zoo directory {directory} does not exist", directory);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist: {directory} is not a zoo (expected a {Format} manifest)", path);
        ZooManifest? manifest;
        try { manifest = JsonSerializer.Deserialize<ZooManifest>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new InvalidDataException($"{path} is not a valid zoo manifest: {e.Message}", e); }
        if (manifest is null) throw new InvalidDataException($"{path} is empty (expected a {Format} manifest)");
        if (manifest.FormatName != Format) throw new InvalidDataException($"{path}: zoo format '{manifest.FormatName}' is not supported (expected {Format})");
        manifest = manifest with { Directory = Path.GetFullPath(directory) };
        manifest.Check(path);
        return manifest;
    }

    public void Save(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, Json));
    }

    void Check(string path)
    {
        string[] roles = [ZooModel.SourceRole, ZooModel.StolenRole, ZooModel.IndependentRole];
        foreach (var m in Models)
        {
            if (string.IsNullOrWhiteSpace(m.Id)) throw new InvalidDataException($"{path}: a model has no id");
            if (!roles.Contains(m.Role)) throw new InvalidDataException($"{path}: model '{m.Id}' has role '{m.Role}'; expected one of {string.Join(", ", roles)}");
            if (!File.Exists(PathOf(m))) throw new FileNotFoundException($"{path}: model '{m.Id}' names the file {m.File}, which is missing from {Directory}", PathOf(m));
        }
        var duplicate = Models.GroupBy(m => m.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null) throw new InvalidDataException($"{path}: model id '{duplicate.Key}' appears {duplicate.Count()} times");
        int sources = Models.Count(m => m.Role == ZooModel.SourceRole);
        if (sources != 1) throw new InvalidDataException($"{path}: expected exactly one model with role 'source', found {sources}");
        if (!Models.Any(m => m.Role == ZooModel.StolenRole)) throw new InvalidDataException($"{path}: the zoo has no stolen models to evaluate");
        if (!Models.Any(m => m.Role == ZooModel.IndependentRole)) throw new InvalidDataException($"{path}: the zoo has no independent models to evaluate against");
    }
}
