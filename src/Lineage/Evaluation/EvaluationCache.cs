using Lineage.Files;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lineage.Fingerprints;

namespace Lineage.Evaluation;

/// <summary>
/// Finished work of an evaluation, kept in <c>OUT/cache/</c> so a crashed or cancelled run resumes where it
/// stopped: each method's fingerprint (with its creation time) and each suspect's score. Every entry lives
/// under a folder named by a hash of the method's full configuration and the zoo's spec hash, so changing a
/// setting never reuses stale work; each file is written atomically.
/// </summary>
public sealed class EvaluationCache(string outDir)
{
    sealed record CreationRecord(double Seconds, int Queries);

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string Root { get; } = Path.Combine(outDir, "cache");

    public string MethodFolder(string method, string configuration)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(configuration)))[..12];
        return Path.Combine(Root, $"{method}-{key}");
    }

    public (Fingerprint Fingerprint, double Seconds)? TryLoadFingerprint(string folder)
    {
        string fpPath = Path.Combine(folder, "fingerprint.safetensors"), infoPath = Path.Combine(folder, "fingerprint.json");
        // The record is written after the fingerprint, so its presence means the fingerprint is complete.
        if (!File.Exists(infoPath) || !File.Exists(fpPath)) return null;
        var info = JsonSerializer.Deserialize<CreationRecord>(File.ReadAllText(infoPath), Json)
                   ?? throw new InvalidDataException($"{infoPath} is empty; delete {folder} to recreate the fingerprint");
        return (FingerprintFile.Load(fpPath), info.Seconds);
    }

    public void SaveFingerprint(string folder, Fingerprint fingerprint, double seconds)
    {
        FingerprintFile.Save(fingerprint, Path.Combine(folder, "fingerprint.safetensors"));  // atomic itself (SafeTensors.Save)
        AtomicFile.WriteAllText(Path.Combine(folder, "fingerprint.json"), JsonSerializer.Serialize(new CreationRecord(seconds, fingerprint.QueryCount), Json));
    }

    public string ScorePath(string folder, string modelId) => Path.Combine(folder, "scores", SafeName(modelId) + ".json");

    /// <summary>The cached score of a model, or null when there is none for this model hash.</summary>
    public ModelScore? TryLoadScore(string folder, string modelId, string modelHash)
    {
        var path = ScorePath(folder, modelId);
        if (!File.Exists(path)) return null;
        var score = JsonSerializer.Deserialize<ModelScore>(File.ReadAllText(path), Json);
        return score is not null && score.ModelId == modelId && score.ModelHash == modelHash ? score : null;
    }

    public void SaveScore(string folder, ModelScore score)
        => AtomicFile.WriteAllText(ScorePath(folder, score.ModelId), JsonSerializer.Serialize(score, Json));

    /// <summary>Model ids become file names; anything but letters, digits, '.', '-' and '_' is replaced, and a
    /// short hash of the id keeps two ids that differ only there apart.</summary>
    static string SafeName(string id)
    {
        var clean = new string(id.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '-' or '_' ? ch : '_').ToArray());
        return clean == id ? id : clean + "-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)))[..8];
    }
}
