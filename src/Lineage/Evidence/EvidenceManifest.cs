using System.Security.Cryptography;
using System.Text;

namespace Lineage.Evidence;

/// <summary>
/// The manifest of an evidence package: one "SHA-256, two spaces, relative path" line per file (as sha256sum
/// writes them), sorted, then a line "# self SHA" hashing every byte above it, so an edit of the manifest itself is
/// caught even when the package is not signed. The signature (signature.sig) is over the manifest's bytes.
/// </summary>
public static class EvidenceManifest
{
    public const string FileName = "manifest.sha256";
    public const string SignatureFileName = "signature.sig";
    public const string PublicKeyFileName = "signer.pub";
    const string Header = "# lineage-evidence-manifest/1\n";
    const string SelfPrefix = "# self ";

    /// <summary>Hashes every file under <paramref name="dir"/> (except the manifest and signature) and returns the manifest text.</summary>
    public static byte[] Build(string dir)
    {
        var body = new StringBuilder(Header);
        foreach (var (path, hash) in HashFiles(dir))
            body.Append(hash).Append("  ").Append(path).Append('\n');
        var bytes = Encoding.UTF8.GetBytes(body.ToString());
        return [.. bytes, .. Encoding.UTF8.GetBytes(SelfPrefix + Sha256(bytes) + "\n")];
    }

    /// <summary>The files a manifest lists, or the problem with it.</summary>
    public static IReadOnlyDictionary<string, string> Parse(byte[] manifest)
    {
        var text = Encoding.UTF8.GetString(manifest);
        int self = text.LastIndexOf(SelfPrefix, StringComparison.Ordinal);
        if (!text.StartsWith(Header, StringComparison.Ordinal) || self < 0)
            throw new InvalidDataException($"{FileName}: not a Lineage evidence manifest (header or self-hash line missing)");
        var recorded = text[(self + SelfPrefix.Length)..].Trim();
        var above = Encoding.UTF8.GetBytes(text[..self]);
        if (recorded != Sha256(above)) throw new InvalidDataException($"{FileName}: its self-hash does not match its content: the manifest was edited");
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text[Header.Length..self].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int gap = line.IndexOf("  ", StringComparison.Ordinal);
            if (gap != 64) throw new InvalidDataException($"{FileName}: malformed line '{line}'");
            files[line[(gap + 2)..]] = line[..gap];
        }
        return files;
    }

    /// <summary>Every file under the folder by relative path ('/'-separated), with its SHA-256; the manifest and signature excluded.</summary>
    public static IEnumerable<(string Path, string Hash)> HashFiles(string dir)
        => Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/'))
            .Where(p => p != FileName && p != SignatureFileName)
            .Order(StringComparer.Ordinal)
            .Select(p => (p, FileSha256(Path.Combine(dir, p))));

    public static string FileSha256(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(f));
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
