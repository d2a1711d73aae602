using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lineage.Zoo;

/// <summary>
/// A zoo as written by its author (the JSON file <c>lineage zoo build</c> reads): the data, the split seed, an
/// optional transfer set, defaults, and every model as a chain of steps. Nothing here is checked beyond the JSON
/// shape; <see cref="ZooPlan.Create"/> resolves and validates it before anything is trained.
/// </summary>
public sealed record ZooSpec
{
    /// <summary>Where the spec was read from (its path), so errors found while planning it can name the file.</summary>
    [JsonIgnore] public string? Source { get; init; }

    public const string FormatName = "lineage-zoo-spec/1";

    public string Format { get; init; } = FormatName;
    public required ZooDataSpec Dataset { get; init; }
    public int SplitSeed { get; init; } = 1;
    /// <summary>Images of another distribution for knockoff and transfer-a/l with target=transfer-set.</summary>
    public ZooDataSpec? TransferData { get; init; }
    /// <summary>The half of the training set attacks get as the thief's data: <c>attacker</c> (null, the default) or
    /// <c>defender</c> (the owner replaying a thief's moves on its own data, as a kit does).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ThiefPart { get; init; }
    public ZooDefaults? Defaults { get; init; }
    public required List<ZooModelSpec> Models { get; init; }

    static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>Parses a spec; a JSON error or an unknown key fails with the spec's name, the JSON path and the reason.</summary>
    public static ZooSpec Parse(string json, string name = "zoo spec")
    {
        ZooSpec? spec;
        try { spec = JsonSerializer.Deserialize<ZooSpec>(json, Options); }
        catch (JsonException e) { throw new ZooSpecException($"{name}: {e.Message}"); }
        if (spec is null) throw new ZooSpecException($"{name}: empty document");
        if (spec.Format != FormatName) throw new ZooSpecException($"{name}: format '{spec.Format}' is not supported (expected {FormatName})");
        return spec with { Source = name };
    }

    public static ZooSpec Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"zoo spec {path} does not exist", path);
        return Parse(File.ReadAllText(path), path);
    }
}

/// <summary>A dataset and how much of it the zoo uses. <c>train_count</c>/<c>test_count</c> size the generated
/// shapes sets; <c>train_subset</c>/<c>test_subset</c> take a class-balanced sample (seed <c>data_seed</c>) of any
/// dataset, so a zoo on Fashion-MNIST can be made small enough for CI.</summary>
public sealed record ZooDataSpec
{
    public required string Name { get; init; }
    public int? TrainCount { get; init; }
    public int? TestCount { get; init; }
    public int DataSeed { get; init; }
    public int? TrainSubset { get; init; }
    public int? TestSubset { get; init; }
    /// <summary>CIFAR-100: the 20 coarse labels.</summary>
    public bool Coarse { get; init; }
}

/// <summary>Values every step gets unless it sets its own: <c>train</c> keys for train steps,
/// <c>attack_params</c> for every attack that declares the parameter (so "epochs" reaches the training attacks
/// but not quantize), and <c>attacks</c> per attack name (these win over <c>attack_params</c>).</summary>
public sealed record ZooDefaults
{
    public Dictionary<string, JsonElement>? Train { get; init; }
    public Dictionary<string, JsonElement>? AttackParams { get; init; }
    public Dictionary<string, Dictionary<string, JsonElement>>? Attacks { get; init; }
}

/// <summary>One model of the zoo: its id, role (source, stolen, independent), optional category (otherwise
/// taken from its last attack), optional parent (another model's id) and its own steps.</summary>
public sealed record ZooModelSpec
{
    public required string Id { get; init; }
    public required string Role { get; init; }
    public string? Category { get; init; }
    public string? Parent { get; init; }
    public required List<ZooStepSpec> Chain { get; init; }
}

/// <summary>One step: either <c>{"train": {...}}</c> (a model from scratch; only as the first step of a model
/// without a parent), <c>{"given": {...}}</c> (a model handed to the build, not built: the owner's source of a kit)
/// or <c>{"attack": "name", "params": {...}, "seed": n}</c>.</summary>
public sealed record ZooStepSpec
{
    public Dictionary<string, JsonElement>? Train { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ZooGivenSpec? Given { get; init; }
    public string? Attack { get; init; }
    public Dictionary<string, JsonElement>? Params { get; init; }
    public int? Seed { get; init; }
}

/// <summary>A model the build is handed (<see cref="ZooBuildOptions.Given"/>, by hash) instead of building it: its
/// hash, architecture name (<c>imported</c> for an ONNX graph) and class count, which the plan checks the steps
/// after it against. Its hash is part of every recipe below it, so another source never reuses a cached model.</summary>
public sealed record ZooGivenSpec
{
    public required string Hash { get; init; }
    public required string Arch { get; init; }
    public required int Classes { get; init; }
}
