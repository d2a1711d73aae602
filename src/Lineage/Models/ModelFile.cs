using System.Globalization;
using System.Text.Json;
using Lineage.Data;
using Lineage.Engine;
using Lineage.Engine.IO;
using Lineage.Models.Architectures;

namespace Lineage.Models;

/// <summary>
/// A trained classifier with everything needed to use and judge it: architecture, weights (a
/// safetensors file whose tensors use PyTorch state-dict names, so it loads in PyTorch too),
/// input preprocessing, the data it was trained on, its lineage and its test accuracy. The extra facts
/// live in the safetensors metadata under "lineage.*" keys.
/// </summary>
public sealed class ModelFile
{
    public const string Format = "lineage-model/1";
    static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public required Classifier Model { get; init; }
    public required Preprocessing Preprocessing { get; init; }
    /// <summary>The data split the model was (last) trained on, in SplitSpec form.</summary>
    public required string TrainedOn { get; init; }
    public required ModelLineage Lineage { get; init; }
    public double? TestAccuracy { get; set; }
    public DateTimeOffset CreatedUtc { get; init; } = DateTimeOffset.UtcNow;

    public ArchitectureSpec Spec => Model.Spec;
    public string ArchitectureJson => JsonSerializer.Serialize(Spec, Json);
    /// <summary>For a model imported from another format (<see cref="ImportedClassifier"/>): the SHA-256 of its file,
    /// which is its identity everywhere else (fingerprints, suspects, kits). Null for Lineage's own models.</summary>
    public string? ImportedHash { get; init; }
    public string Hash => ImportedHash ?? ModelHash.Compute(ArchitectureJson, Model);

    /// <summary>Logits for [0,1] images: the declared preprocessing, then the model (differentiable).</summary>
    public Tensor Logits(Tensor images) => Model.Forward(Preprocessing.Apply(images));

    /// <summary>Writes atomically (temporary name, then rename), so an interrupted save leaves no half-written model.</summary>
    public void Save(string path)
    {
        if (Model is ImportedClassifier)
            throw new InvalidOperationException($"{path}: an imported model ({Lineage.Chain}) cannot be saved as a Lineage model file: its architecture is not one Lineage can rebuild");
        var meta = new Dictionary<string, string>
        {
            ["lineage.format"] = Format,
            ["lineage.architecture"] = ArchitectureJson,
            ["lineage.preprocessing"] = Preprocessing.ToJson(),
            ["lineage.trained_on"] = TrainedOn,
            ["lineage.lineage"] = JsonSerializer.Serialize(Lineage, Json),
            ["lineage.created"] = CreatedUtc.ToString("O", CultureInfo.InvariantCulture),
            ["lineage.hash"] = Hash,
        };
        if (TestAccuracy is double acc) meta["lineage.test_accuracy"] = acc.ToString("R", CultureInfo.InvariantCulture);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        Model.SaveSafeTensors(path, meta);
    }

    static double Accuracy(string text, string path) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v is >= 0 and <= 1 ? v
            : throw new InvalidDataException($"{path}: metadata 'lineage.test_accuracy' is \"{text}\", not a number between 0 and 1");

    public static ModelFile Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"model file {path} does not exist", path);
        var content = SafeTensors.Load(path);
        var meta = content.Metadata;
        string Need(string key) => meta.TryGetValue(key, out var v) ? v
            : throw new InvalidDataException($"{path} is not a Lineage model file: its safetensors metadata lacks '{key}' (expected {Format})");
        var format = Need("lineage.format");
        if (format != Format) throw new InvalidDataException($"{path}: model format '{format}' is not supported (expected {Format})");
        ArchitectureSpec spec;
        Preprocessing pre;
        ModelLineage lineage;
        try
        {
            spec = JsonSerializer.Deserialize<ArchitectureSpec>(Need("lineage.architecture"), Json) ?? throw new InvalidDataException("empty architecture");
            pre = Preprocessing.FromJson(Need("lineage.preprocessing"));
            lineage = JsonSerializer.Deserialize<ModelLineage>(Need("lineage.lineage"), Json) ?? throw new InvalidDataException("empty lineage");
        }
        catch (JsonException e) { throw new InvalidDataException($"{path}: corrupt model metadata: {e.Message}", e); }
        catch (ArgumentException e) { throw new InvalidDataException($"{path}: invalid model metadata: {e.Message}", e); }
        // every image the model sees is shaped by its preprocessing, so a mismatch would fail only at the first query, naming nothing
        if (pre.Channels != spec.InChannels || pre.Height != spec.ImageSize || pre.Width != spec.ImageSize)
            throw new InvalidDataException($"{path}: its preprocessing takes {pre.Channels}x{pre.Height}x{pre.Width} images, its architecture {spec} takes {spec.InChannels}x{spec.ImageSize}x{spec.ImageSize}");
        Classifier model;
        // the declared architecture is built before the weights are compared with it, so it may allocate only what the file
        // holds (buffers outside the state dict get a little room)
        long held = content.Tensors.Values.Sum(t => (long)t.Size);
        try
        {
            using var budget = PersistentBudget.Open(held + (1 << 16), asked =>
                new InvalidDataException($"{path}: its declared architecture {spec} needs more than the {held} values the file holds (asked for {asked} before stopping)"));
            model = ArchitectureCatalog.Create(spec, new Generator(0));
        }
        catch (ArgumentException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
        try { model.LoadStateDict(content.Tensors); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path} does not match its declared architecture {spec}: {e.Message}", e); }
        var file = new ModelFile
        {
            Model = model,
            Preprocessing = pre,
            TrainedOn = Need("lineage.trained_on"),
            Lineage = lineage,
            TestAccuracy = meta.TryGetValue("lineage.test_accuracy", out var a) ? Accuracy(a, path) : null,
            CreatedUtc = DateTimeOffset.TryParse(Need("lineage.created"), CultureInfo.InvariantCulture, DateTimeStyles.None, out var created) ? created
                : throw new InvalidDataException($"{path}: metadata 'lineage.created' is \"{meta["lineage.created"]}\", not an ISO 8601 time"),
        };
        if (meta.TryGetValue("lineage.hash", out var recorded) && recorded != file.Hash)
            throw new InvalidDataException($"{path}: weights do not match the recorded hash (recorded {recorded[..12]}…, computed {file.Hash[..12]}…): the file was modified or is corrupt");
        model.Eval();
        return file;
    }
}
