using System.Security.Cryptography;
using System.Text;
using Lineage.Data;
using Lineage.Engine;

namespace Lineage.Kits;

/// <summary>
/// An owner's kit as the methods use it: the references (independent models trained on the owner's data) and the
/// surrogates (the thief's moves replayed on the source), read from a kit directory's <c>kit.json</c> and checked.
/// Methods ask it to fit their source (<see cref="RequireFor"/>) and to be large enough (<see cref="RequireAtLeast"/>),
/// and hold part of it out with <see cref="Split"/>.
/// </summary>
public sealed class OwnerKit
{
    OwnerKit(string directory, string manifestPath, KitManifest manifest, IReadOnlyList<KitModel> models)
    {
        Directory = directory; ManifestPath = manifestPath; Manifest = manifest; Models = models;
        References = models.Where(m => m.Role == KitRole.Reference).ToList();
        Surrogates = models.Where(m => m.Role == KitRole.Surrogate).ToList();
        Hash = HashOf(models.Select(m => m.Hash));
    }

    public string Directory { get; }
    public string ManifestPath { get; }
    public KitManifest Manifest { get; }
    public string SourceHash => Manifest.Source.Hash;
    public string DatasetName => Manifest.Dataset.Name;
    public IReadOnlyList<KitModel> References { get; }
    public IReadOnlyList<KitModel> Surrogates { get; }
    /// <summary>Every model, in manifest order.</summary>
    public IReadOnlyList<KitModel> Models { get; }
    /// <summary>SHA-256 over the models' hashes (sorted, one per line): identifies the kit in fingerprints.</summary>
    public string Hash { get; }

    public static string HashOf(IEnumerable<string> modelHashes)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(modelHashes.Order(StringComparer.Ordinal).Select(h => h + "\n")))));

    /// <summary>Reads <c>DIRECTORY/kit.json</c>; any problem (missing, unreadable, wrong format, unknown role, duplicate
    /// id, missing model file) is an <see cref="InvalidDataException"/> naming kit.json.</summary>
    public static OwnerKit Load(string directory)
    {
        var full = Path.GetFullPath(directory);
        var path = Path.Combine(full, KitManifest.FileName);
        if (!File.Exists(path))
            throw new InvalidDataException($"{path} does not exist: {directory} is not an owner's kit; build one with 'lineage kit build --source SRC --data NAME --out {directory}'");
        var manifest = KitManifest.Parse(File.ReadAllText(path), path);
        if (string.IsNullOrWhiteSpace(manifest.Source?.Hash)) throw new InvalidDataException($"{path}: the source hash is missing");
        if (string.IsNullOrWhiteSpace(manifest.Dataset?.Name)) throw new InvalidDataException($"{path}: the dataset name is missing");
        if (manifest.Models is null) throw new InvalidDataException($"{path}: the model list is missing");
        var models = new List<KitModel>();
        foreach (var m in manifest.Models)
        {
            if (string.IsNullOrWhiteSpace(m.Id)) throw new InvalidDataException($"{path}: a model has no id");
            var role = m.Role switch
            {
                KitManifestModel.ReferenceRole => KitRole.Reference,
                KitManifestModel.SurrogateRole => KitRole.Surrogate,
                _ => throw new InvalidDataException($"{path}: model '{m.Id}' has role '{m.Role}'; expected {KitManifestModel.ReferenceRole} or {KitManifestModel.SurrogateRole}"),
            };
            if (string.IsNullOrWhiteSpace(m.Hash) || string.IsNullOrWhiteSpace(m.File))
                throw new InvalidDataException($"{path}: model '{m.Id}' lacks its hash or file");
            if (Path.IsPathRooted(m.File) || m.File.Split('/', '\\').Contains(".."))
                throw new InvalidDataException($"{path}: model '{m.Id}' names the file {m.File}, which is not inside the kit directory");
            if (!File.Exists(Path.Combine(full, m.File)))
                throw new InvalidDataException($"{path}: model '{m.Id}' names the file {m.File}, which is missing from {full}; rebuild the kit with 'lineage kit build'");
            models.Add(new KitModel(m.Id, role, m.Hash, m.File, m.Architecture, m.Origin, m.TestAccuracy));
        }
        var duplicate = models.GroupBy(m => m.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidDataException($"{path}: model id '{duplicate.Key}' appears {duplicate.Count()} times");
        return new OwnerKit(full, path, manifest, models);
    }

    /// <summary>Refuses a kit built for another source (by hash) or other data: its models were derived from, or
    /// trained on, something else.</summary>
    public void RequireFor(string sourceHash, string datasetName)
    {
        if (!string.Equals(sourceHash, SourceHash, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{ManifestPath}: the kit was built for source {Short(SourceHash)} ({Manifest.Source.File}), not for this source {Short(sourceHash)}; "
                + $"build a kit for this source: lineage kit build --source SRC --data {DatasetName} --out NEW-KIT");
        if (Canonical(datasetName) != Canonical(DatasetName))
            throw new ArgumentException($"{ManifestPath}: the kit was built on {DatasetName} data, not {datasetName}; "
                + $"build a kit on this data: lineage kit build --source SRC --data {datasetName} --out NEW-KIT");
    }

    /// <summary>Refuses a kit with fewer references or surrogates than <paramref name="method"/> needs.</summary>
    public void RequireAtLeast(string method, int references, int surrogates)
    {
        if (References.Count >= references && Surrogates.Count >= surrogates) return;
        throw new ArgumentException($"{ManifestPath}: {method} needs at least {references} reference(s) and {surrogates} surrogate(s), "
            + $"but the kit has {References.Count} and {Surrogates.Count}; build a larger kit (lineage kit build --size standard) or pass another --kit");
    }

    /// <summary>A seeded, deterministic split of one role's models into those a method learns from and
    /// <paramref name="heldOut"/> models it keeps out (both in manifest order).</summary>
    public (IReadOnlyList<KitModel> Train, IReadOnlyList<KitModel> HeldOut) Split(KitRole role, int heldOut, int seed)
    {
        var pool = role == KitRole.Reference ? References : Surrogates;
        if (heldOut < 0 || heldOut > pool.Count)
            throw new ArgumentException($"{ManifestPath}: cannot hold out {heldOut} of the kit's {pool.Count} {role.ToString().ToLowerInvariant()}(s); choose 0 to {pool.Count}");
        var order = new Generator(seed).Permutation(pool.Count);
        var held = order.Take(heldOut).ToHashSet();
        return (pool.Where((_, i) => !held.Contains(i)).ToList(), pool.Where((_, i) => held.Contains(i)).ToList());
    }

    static string Short(string hash) => hash.Length > 12 ? hash[..12] + "…" : hash;

    static string Canonical(string name)
    {
        try { return DatasetCatalog.Canonical(name); }
        catch (ArgumentException) { return name.Trim().ToLowerInvariant(); }
    }
}
