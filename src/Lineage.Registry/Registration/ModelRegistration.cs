using System.Security.Cryptography;
using Lineage.Fingerprints;
using Lineage.Registry.Storage;

namespace Lineage.Registry.Registration;

/// <summary>An upload that is not a sound fingerprint (damaged, edited, or not the file the owner hashed): HTTP 422.</summary>
public sealed class RejectedUploadException(string message) : Exception(message);

/// <summary>
/// Registers an uploaded fingerprint file or bundle: its SHA-256 must match the one the owner declares (when given),
/// it must load (which re-checks each fingerprint's own content hash and a bundle's member hashes), and the source hash
/// it records must match the declared one (when given). Only then is it moved into the content store and its row
/// written; a failure leaves neither.
/// </summary>
public sealed class ModelRegistration(RegistryStore store, ContentStore content)
{
    public const int MaxNameLength = 200;

    /// <param name="upload">The uploaded bytes in the store's temporary folder; moved into the store or deleted.</param>
    /// <param name="fileName">The name it was uploaded under (kept, and used in messages).</param>
    public RegisteredModel Register(string tenantId, string upload, string fileName, string name, string version, string? declaredSha256, string? declaredSourceHash)
    {
        try
        {
            RequireLabel(name, "name");
            RequireLabel(version, "version");
            fileName = SafeFileName(fileName);
            string sha;
            using (var f = File.OpenRead(upload)) sha = Convert.ToHexStringLower(SHA256.HashData(f));
            if (declaredSha256 is not null && !string.Equals(declaredSha256.Trim(), sha, StringComparison.OrdinalIgnoreCase))
                throw new RejectedUploadException($"{fileName}: the upload's SHA-256 is {sha}, not the declared {declaredSha256.Trim()}: the file was changed or damaged in transit");
            FingerprintBundle bundle;
            try { bundle = FingerprintBundle.Open(upload); }
            catch (Exception e) when (e is InvalidDataException or ArgumentException or FormatException or NotSupportedException or IOException)
            {
                throw new RejectedUploadException(e.Message.Replace(upload, fileName));
            }
            if (declaredSourceHash is not null && !string.Equals(declaredSourceHash.Trim(), bundle.SourceModelHash, StringComparison.OrdinalIgnoreCase))
                throw new RejectedUploadException($"{fileName} fingerprints source model {bundle.SourceModelHash}, not the declared source_hash {declaredSourceHash.Trim()}");
            var stored = content.PutFile(upload);
            return store.AddModel(new RegisteredModel
            {
                Id = RegistryStore.NewId("m"), TenantId = tenantId, Name = name, Version = version, SourceHash = bundle.SourceModelHash,
                FileSha256 = stored, FileName = fileName, IsBundle = FingerprintBundle.IsBundle(content.PathOf(stored)),
                Methods = bundle.Members.Select(m => m.Method).ToList(), QueryCount = bundle.Members.Sum(m => (long)m.Fingerprint.QueryCount),
                Classes = bundle.First.Classes, CreatedMs = store.Clock(),
            });
        }
        finally
        {
            if (File.Exists(upload)) File.Delete(upload);
        }
    }

    static void RequireLabel(string value, string field)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"{field}: required, and not blank");
        if (value.Length > MaxNameLength) throw new ArgumentException($"{field}: at most {MaxNameLength} characters, not {value.Length}");
        if (value.Any(char.IsControl)) throw new ArgumentException($"{field}: control characters are not allowed");
    }

    /// <summary>The last path segment, with anything but letters, digits, '-', '_' and '.' replaced: it becomes a file name on the worker.</summary>
    public static string SafeFileName(string name)
    {
        var last = Path.GetFileName(name.Replace('\\', '/'));
        var safe = new string(last.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_').ToArray()).TrimStart('.');
        return safe.Length == 0 ? "upload" : safe.Length > 100 ? safe[^100..] : safe;
    }
}
