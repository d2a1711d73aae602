using System.Globalization;
using Lineage.Engine;
using Lineage.Engine.IO;
using Lineage.Files;

namespace Lineage.Generative;

/// <summary>
/// A trained GAN on disk: one safetensors file with both networks, the spec, what data it was trained on (name,
/// image shape, class names), how (seed, iterations), its measured quality where known, and a SHA-256 of the whole
/// content, which a NaturalFinger fingerprint records as the generator it was made with. A changed byte is refused.
/// </summary>
public sealed class GanFile
{
    public const string Format = "lineage-gan/1";
    const string HashKey = "content_sha256";

    public required ConditionalGan Gan { get; init; }
    public required string TrainedOn { get; init; }
    /// <summary>The dataset's catalog name ("fashion-mnist"), to refuse a GAN made for other data.</summary>
    public required string Dataset { get; init; }
    public required IReadOnlyList<string> ClassNames { get; init; }
    public required int Seed { get; init; }
    public required int Iterations { get; init; }
    /// <summary>Quality figures measured after training (Fréchet distance, conditional accuracy, the classifier used).</summary>
    public IReadOnlyDictionary<string, string> Quality { get; set; } = new Dictionary<string, string>();
    public DateTimeOffset CreatedUtc { get; init; } = DateTimeOffset.UtcNow;
    /// <summary>The content hash as saved or loaded (null until then).</summary>
    public string? Hash { get; private set; }

    public GanSpec Spec => Gan.Spec;

    public void Save(string path)
    {
        var tensors = Gan.StateDict();
        var meta = new Dictionary<string, string>(Spec.ToMetadata())
        {
            ["format"] = Format,
            ["trained_on"] = TrainedOn,
            ["dataset"] = Dataset,
            ["class_names"] = string.Join("\n", ClassNames),
            ["seed"] = Seed.ToString(CultureInfo.InvariantCulture),
            ["iterations"] = Iterations.ToString(CultureInfo.InvariantCulture),
            ["created"] = CreatedUtc.ToString("O", CultureInfo.InvariantCulture),
        };
        foreach (var (k, v) in Quality) meta["quality." + k] = v;
        meta[HashKey] = ContentHash.Of(tensors, meta);
        var ints = tensors.Keys.Where(k => k.EndsWith(".num_batches_tracked", StringComparison.Ordinal)).ToHashSet();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        SafeTensors.Save(path, tensors, meta, ints);
        Hash = meta[HashKey];
    }

    public static GanFile Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"GAN file {path} does not exist (train one with 'lineage gan train')", path);
        SafeTensorsContent c;
        try { c = SafeTensors.Load(path); }
        catch (InvalidDataException e) { throw new InvalidDataException($"GAN file {path} is unreadable: {e.Message}", e); }
        var meta = c.Metadata;
        if (meta.GetValueOrDefault("format") != Format)
            throw new InvalidDataException($"{path} is not a Lineage GAN file (format {(meta.TryGetValue("format", out var f) ? $"'{f}'" : "not recorded")}, expected {Format})");
        if (!meta.TryGetValue(HashKey, out var recorded))
            throw new InvalidDataException($"GAN file {path} records no content hash");
        var actual = ContentHash.Of(c.Tensors, meta.Where(kv => kv.Key != HashKey).ToDictionary(kv => kv.Key, kv => kv.Value));
        if (recorded != actual)
            throw new InvalidDataException($"GAN file {path} is damaged or was edited: content hash {ContentHash.Short(actual)} does not match the recorded {ContentHash.Short(recorded)}");
        var spec = GanSpec.FromMetadata(meta, path);
        var gan = new ConditionalGan(spec, new Generator(0));
        try { gan.LoadStateDict(c.Tensors); }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or KeyNotFoundException)
        {
            throw new InvalidDataException($"GAN file {path} does not match its declared spec ({spec}): {e.Message}", e);
        }
        gan.Eval();
        int Int(string key) => int.TryParse(meta.GetValueOrDefault(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
            : throw new InvalidDataException($"GAN file {path}: metadata '{key}' is not an integer");
        var classNames = (meta.GetValueOrDefault("class_names") ?? "").Split('\n');
        if (classNames.Length != spec.Classes)
            throw new InvalidDataException($"GAN file {path} names {classNames.Length} classes but its networks have {spec.Classes}");
        return new GanFile
        {
            Gan = gan,
            TrainedOn = meta.GetValueOrDefault("trained_on") ?? "unknown",
            Dataset = meta.GetValueOrDefault("dataset") ?? throw new InvalidDataException($"GAN file {path} does not record the dataset it was trained on"),
            ClassNames = classNames,
            Seed = Int("seed"),
            Iterations = Int("iterations"),
            Quality = meta.Where(kv => kv.Key.StartsWith("quality.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key["quality.".Length..], kv => kv.Value),
            CreatedUtc = DateTimeOffset.TryParse(meta.GetValueOrDefault("created"), CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t : DateTimeOffset.MinValue,
            Hash = recorded,
        };
    }

    /// <summary>Refuses a GAN whose images are not the shape a model reads or whose classes differ in number.</summary>
    public void RequireFits(int[] imageShape, int classes, string dataset, string what)
    {
        if (!string.Equals(Dataset, dataset, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"the GAN was trained on {Dataset} ({TrainedOn}) but {what} is fingerprinted with {dataset} data");
        if (!Spec.ImageShape.AsSpan().SequenceEqual(imageShape))
            throw new ArgumentException($"the GAN makes {Tensor.FormatShape(Spec.ImageShape)} images (trained on {TrainedOn}) but {what} reads {Tensor.FormatShape(imageShape)}");
        if (Spec.Classes != classes)
            throw new ArgumentException($"the GAN is conditioned on {Spec.Classes} classes (trained on {TrainedOn}) but {what} has {classes}");
    }
}
