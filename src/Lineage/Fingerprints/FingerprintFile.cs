using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lineage.Data;
using Lineage.Engine;
using Lineage.Engine.IO;
using Lineage.Statistics;
using Lineage.Suspects;

namespace Lineage.Fingerprints;

/// <summary>
/// A fingerprint on disk: a safetensors file (queries [n,C,H,W], the source's logits [n,classes],
/// optional expected labels, the method's named artifacts as "artifact.NAME") whose metadata holds the method, its parameters, the decision rule with its
/// calibration, the source model's hash, the creation time, a format version and a SHA-256 over all of
/// that content. Loading recomputes the hash, so an edited or truncated file is rejected.
/// </summary>
public static class FingerprintFile
{
    public const string Format = "lineage-fingerprint/1";
    static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    sealed record RuleRecord(string Representation, string Direction, double Threshold, string Basis, double[] NullScores, double? TargetFpr, double? AchievedFpr, double? GuaranteedFpr = null);
    const string ArtifactPrefix = "artifact.";

    public static void Save(Fingerprint fp, string path)
    {
        var (tensors, meta) = Encode(fp);
        meta["lineage.content_sha256"] = ContentHash(tensors, meta);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        SafeTensors.Save(path, tensors, meta);
    }

    public static Fingerprint Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"fingerprint file {path} does not exist", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Read(stream, path);
    }

    /// <summary>Reads a fingerprint from a seekable stream (a member of a bundle); <paramref name="path"/> names it in errors.</summary>
    public static Fingerprint Read(Stream stream, string path)
    {
        var content = SafeTensors.Read(stream, path);
        var meta = content.Metadata;
        string Need(string key) => meta.TryGetValue(key, out var v) ? v
            : throw new InvalidDataException($"{path} is not a Lineage fingerprint: metadata lacks '{key}' (expected {Format})");
        var format = Need("lineage.format");
        if (format != Format) throw new InvalidDataException($"{path}: fingerprint format '{format}' is not supported (expected {Format})");
        var recorded = Need("lineage.content_sha256");
        var rest = meta.Where(kv => kv.Key != "lineage.content_sha256").ToDictionary(kv => kv.Key, kv => kv.Value);
        var actual = ContentHash(content.Tensors, rest);
        if (!string.Equals(recorded, actual, StringComparison.Ordinal))
            throw new InvalidDataException($"{path}: content hash mismatch (recorded {Short(recorded)}, computed {Short(actual)}): the fingerprint was edited or damaged and cannot be trusted");
        // the hash covers the content; the same content in other header bytes (JSON whitespace, an escape's letter case) is an edit too
        if (!SafeTensors.IsCanonical(content))
            throw new InvalidDataException($"{path}: the header is not byte for byte as Lineage writes it: the fingerprint was edited and cannot be trusted");
        try
        {
            var queries = content.Tensors.GetValueOrDefault("queries") ?? throw new InvalidDataException("no 'queries' tensor");
            var logits = content.Tensors.GetValueOrDefault("source_logits") ?? throw new InvalidDataException("no 'source_logits' tensor");
            if (queries.Rank != 4 || logits.Rank != 2 || logits.Shape[0] != queries.Shape[0])
                throw new InvalidDataException($"queries {Tensor.FormatShape(queries.Shape)} and source logits {Tensor.FormatShape(logits.Shape)} do not fit together");
            int version = int.Parse(Need("lineage.format_version"), CultureInfo.InvariantCulture);
            if (version < 1 || version > Fingerprint.CurrentFormatVersion)
                throw new InvalidDataException($"fingerprint format version {version} is not supported by this Lineage (it reads 1..{Fingerprint.CurrentFormatVersion}); update Lineage");
            int[]? expected = content.Tensors.TryGetValue("expected_labels", out var el) ? el.ToArray().Select(v => (int)v).ToArray() : null;
            var rules = JsonSerializer.Deserialize<RuleRecord[]>(Need("lineage.rules"), Json) ?? throw new InvalidDataException("no decision rules");
            if (rules.Length == 0) throw new InvalidDataException("no decision rules");
            return new Fingerprint
            {
                Method = Need("lineage.method"),
                FormatVersion = version,
                CreatedUtc = DateTimeOffset.Parse(Need("lineage.created"), CultureInfo.InvariantCulture),
                SourceModelHash = Need("lineage.source_hash"),
                Parameters = JsonSerializer.Deserialize<Dictionary<string, string>>(Need("lineage.parameters"), Json) ?? [],
                Queries = queries,
                SourceOutput = SuspectOutput.FromLogits(logits.ToArray(), logits.Shape[0], logits.Shape[1]),
                ExpectedLabels = expected,
                Preprocessing = Preprocessing.FromJson(Need("lineage.preprocessing")),
                Rules = rules.Select(rule => new DecisionRule
                {
                    Representation = rule.Representation,
                    Direction = Enum.Parse<ScoreDirection>(rule.Direction),
                    Threshold = rule.Threshold,
                    Basis = rule.Basis,
                    NullScores = rule.NullScores,
                    TargetFpr = rule.TargetFpr,
                    AchievedFpr = rule.AchievedFpr,
                    GuaranteedFpr = rule.GuaranteedFpr,
                }).ToList(),
                Artifacts = content.Tensors.Where(kv => kv.Key.StartsWith(ArtifactPrefix, StringComparison.Ordinal))
                    .ToDictionary(kv => kv.Key[ArtifactPrefix.Length..], kv => kv.Value),
            };
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: corrupt fingerprint metadata: {e.Message}", e);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    static (Dictionary<string, Tensor>, Dictionary<string, string>) Encode(Fingerprint fp)
    {
        var tensors = new Dictionary<string, Tensor>
        {
            ["queries"] = fp.Queries,
            ["source_logits"] = Tensor.FromArray(fp.SourceOutput.Values!, fp.SourceOutput.Count, fp.SourceOutput.Classes),
        };
        if (fp.SourceOutput.Mode != OutputMode.Logits) throw new ArgumentException("a fingerprint stores the source's logits");
        foreach (var (name, tensor) in fp.Artifacts) tensors[ArtifactPrefix + name] = tensor;
        if (fp.ExpectedLabels is int[] labels) tensors["expected_labels"] = Tensor.FromArray(labels.Select(l => (float)l).ToArray(), labels.Length);
        var meta = new Dictionary<string, string>
        {
            ["lineage.format"] = Format,
            ["lineage.format_version"] = fp.FormatVersion.ToString(CultureInfo.InvariantCulture),
            ["lineage.method"] = fp.Method,
            ["lineage.created"] = fp.CreatedUtc.ToString("O", CultureInfo.InvariantCulture),
            ["lineage.source_hash"] = fp.SourceModelHash,
            ["lineage.parameters"] = JsonSerializer.Serialize(fp.Parameters, Json),
            ["lineage.preprocessing"] = fp.Preprocessing.ToJson(),
            ["lineage.rules"] = JsonSerializer.Serialize(fp.Rules.Select(r => new RuleRecord(r.Representation, r.Direction.ToString(), r.Threshold, r.Basis, r.NullScores.ToArray(), r.TargetFpr, r.AchievedFpr, r.GuaranteedFpr)), Json),
        };
        return (tensors, meta);
    }

    static string ContentHash(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> meta) => Files.ContentHash.Of(tensors, meta);

    static string Short(string hash) => Files.ContentHash.Short(hash);
}
