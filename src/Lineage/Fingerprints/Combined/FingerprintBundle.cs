using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Lineage.Engine.IO;

namespace Lineage.Fingerprints;

/// <summary>One fingerprint of a bundle: its name (the file it was packed from), its bytes' SHA-256, and the fingerprint.</summary>
public sealed record BundleMember(string Name, string Sha256, Fingerprint Fingerprint)
{
    public string Method => Fingerprint.Method;
}

/// <summary>
/// Several fingerprints of ONE source model, verified together and combined into one verdict
/// (<see cref="CombinedVerifier"/>). On disk a zip archive: <c>bundle.json</c> (format, source hash, each member's name,
/// method and SHA-256) and the member fingerprint files byte for byte, so each keeps its own content hash and a member
/// can be unpacked and used alone. A single fingerprint file opens as a bundle of one.
/// </summary>
public sealed class FingerprintBundle
{
    public const string Format = "lineage-fingerprint-bundle/1";
    const string ManifestEntry = "bundle.json";
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    sealed record ManifestRecord(string Format, string SourceHash, MemberRecord[] Members);
    sealed record MemberRecord(string Name, string Method, string Sha256);

    public required IReadOnlyList<BundleMember> Members { get; init; }
    /// <summary>Where it was read from (the bundle or the single fingerprint file).</summary>
    public string Path { get; init; } = "";
    public string SourceModelHash => Members[0].Fingerprint.SourceModelHash;
    /// <summary>All members share the source, and so its declared preprocessing and label space.</summary>
    public Fingerprint First => Members[0].Fingerprint;

    /// <summary>Loads each fingerprint file and checks that all come from one source (same hash), naming the files that do not.</summary>
    public static FingerprintBundle Pack(IReadOnlyList<string> paths)
    {
        if (paths.Count == 0) throw new ArgumentException("name at least one fingerprint file to bundle");
        var members = new List<BundleMember>();
        foreach (var path in paths)
        {
            if (IsBundle(path)) throw new ArgumentException($"{path} is already a bundle; name the fingerprint files themselves");
            var fp = FingerprintFile.Load(path);
            members.Add(new BundleMember(UniqueName(System.IO.Path.GetFileName(path), members), Sha256Of(path), fp));
        }
        var bySource = members.Zip(paths).GroupBy(m => m.First.Fingerprint.SourceModelHash).ToList();
        if (bySource.Count > 1)
            throw new ArgumentException("the fingerprints come from different source models: "
                + string.Join("; ", bySource.Select(g => $"{string.Join(", ", g.Select(m => m.Second))} from source {Short(g.Key)}"))
                + "; a bundle holds fingerprints of one source");
        return new FingerprintBundle { Members = members };
    }

    /// <summary>Writes the bundle; <paramref name="memberPaths"/> are the files packed (copied byte for byte).</summary>
    public static FingerprintBundle Create(IReadOnlyList<string> memberPaths, string path)
    {
        var bundle = Pack(memberPaths);
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        AtomicWrite.Replace(path, tmp =>
        {
            using var zip = ZipFile.Open(tmp, ZipArchiveMode.Create);
            var manifest = new ManifestRecord(Format, bundle.SourceModelHash,
                bundle.Members.Select(m => new MemberRecord(m.Name, m.Method, m.Sha256)).ToArray());
            using (var w = new StreamWriter(zip.CreateEntry(ManifestEntry).Open()))
                w.Write(JsonSerializer.Serialize(manifest, Json));
            foreach (var (member, file) in bundle.Members.Zip(memberPaths))
                zip.CreateEntryFromFile(file, "members/" + member.Name, CompressionLevel.NoCompression);
        });
        return new FingerprintBundle { Members = bundle.Members, Path = path };
    }

    /// <summary>A bundle file, or a single fingerprint file as a bundle of one.</summary>
    public static FingerprintBundle Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"fingerprint file {path} does not exist", path);
        if (!IsBundle(path))
            return new FingerprintBundle { Members = [new BundleMember(System.IO.Path.GetFileName(path), Sha256Of(path), FingerprintFile.Load(path))], Path = path };
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var manifestEntry = zip.GetEntry(ManifestEntry) ?? throw new InvalidDataException($"{path}: not a fingerprint bundle (no {ManifestEntry})");
            ManifestRecord manifest;
            using (var r = new StreamReader(manifestEntry.Open()))
                manifest = JsonSerializer.Deserialize<ManifestRecord>(r.ReadToEnd()) ?? throw new InvalidDataException($"{path}: empty {ManifestEntry}");
            if (manifest.Format != Format) throw new InvalidDataException($"{path}: bundle format '{manifest.Format}' is not supported (expected {Format})");
            if (manifest.Members is null || manifest.Members.Length == 0) throw new InvalidDataException($"{path}: the bundle lists no fingerprints");
            var members = new List<BundleMember>();
            foreach (var m in manifest.Members)
            {
                var entry = zip.GetEntry("members/" + m.Name) ?? throw new InvalidDataException($"{path}: member {m.Name} is listed but missing");
                var bytes = new byte[entry.Length];
                using (var s = entry.Open()) s.ReadExactly(bytes);
                var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
                if (hash != m.Sha256) throw new InvalidDataException($"{path}: member {m.Name} has SHA-256 {Short(hash)}, the bundle recorded {Short(m.Sha256)}: the bundle was edited or damaged");
                var fp = FingerprintFile.Read(new MemoryStream(bytes), $"{path}:{m.Name}");
                if (fp.SourceModelHash != manifest.SourceHash)
                    throw new InvalidDataException($"{path}: member {m.Name} fingerprints source {Short(fp.SourceModelHash)}, the bundle is for {Short(manifest.SourceHash)}");
                members.Add(new BundleMember(m.Name, hash, fp));
            }
            return new FingerprintBundle { Members = members, Path = path };
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: corrupt bundle manifest: {e.Message}", e);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: damaged bundle: {e.Message}", e);
        }
    }

    /// <summary>True for a zip archive (a bundle), false for a safetensors fingerprint.</summary>
    public static bool IsBundle(string path)
    {
        if (!File.Exists(path)) return false;
        Span<byte> magic = stackalloc byte[4];
        using var f = File.OpenRead(path);
        return f.Read(magic) == 4 && magic[0] == (byte)'P' && magic[1] == (byte)'K' && magic[2] == 3 && magic[3] == 4;
    }

    public static string Sha256Of(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(f));
    }

    static string UniqueName(string name, List<BundleMember> taken)
    {
        string candidate = name;
        for (int i = 2; taken.Any(m => m.Name == candidate); i++) candidate = $"{i}-{name}";
        return candidate;
    }

    static string Short(string hash) => hash.Length > 12 ? hash[..12] + "…" : hash;
}
