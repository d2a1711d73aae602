using System.Security.Cryptography;

namespace Lineage.Evidence;

/// <summary>
/// The owner's signing key: ECDSA on NIST P-256 with SHA-256 (System.Security.Cryptography), kept as PEM files —
/// the private key (PKCS#8) at KEY, readable by its owner only, and the public key (SubjectPublicKeyInfo) at KEY.pub,
/// the one to hand to whoever checks the evidence.
/// </summary>
public static class EvidenceKeys
{
    public static string PublicPathOf(string privatePath) => privatePath + ".pub";

    /// <summary>Makes a new key pair; refuses to replace an existing key (a lost private key cannot be recovered).</summary>
    public static (string PrivatePath, string PublicPath, string Fingerprint) Create(string privatePath)
    {
        var publicPath = PublicPathOf(privatePath);
        foreach (var p in new[] { privatePath, publicPath })
            if (File.Exists(p)) throw new ArgumentException($"{p} already exists; a key is never overwritten (choose another name)");
        var dir = Path.GetDirectoryName(Path.GetFullPath(privatePath));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using (var f = new FileStream(privatePath, FileMode.CreateNew, FileAccess.Write))
        {
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(f.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            using var w = new StreamWriter(f);
            w.Write(key.ExportPkcs8PrivateKeyPem());
            w.Write('\n');
        }
        File.WriteAllText(publicPath, key.ExportSubjectPublicKeyInfoPem() + "\n");
        return (privatePath, publicPath, Fingerprint(key));
    }

    /// <summary>Loads a private key for signing; fails clearly for a missing file, a public key or something else.</summary>
    public static ECDsa LoadPrivate(string path)
    {
        var key = Load(path, "signing key");
        try { key.ExportParameters(includePrivateParameters: true); }
        catch (CryptographicException)
        {
            key.Dispose();
            throw new ArgumentException($"{path} holds a public key only; sign with the private key (the file `lineage key create` wrote without .pub)");
        }
        return key;
    }

    /// <summary>Loads a public key (a private key file works too: its public half is used).</summary>
    public static ECDsa LoadPublic(string path) => Load(path, "public key");

    public static ECDsa ImportPublicPem(string pem, string source)
    {
        var key = ECDsa.Create();
        try { key.ImportFromPem(pem); }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new InvalidDataException($"{source} is not a PEM ECDSA key: {e.Message}");
        }
        return key;
    }

    static ECDsa Load(string path, string what)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{what} {path} does not exist", path);
        var key = ImportPublicPem(File.ReadAllText(path), path);
        if (key.KeySize != 256) { key.Dispose(); throw new InvalidDataException($"{path} is a {key.KeySize}-bit key; evidence is signed with ECDSA P-256"); }
        return key;
    }

    public static byte[] Sign(ECDsa key, byte[] data) => key.SignData(data, HashAlgorithmName.SHA256);

    public static bool Verify(ECDsa key, byte[] data, byte[] signature) => key.VerifyData(data, signature, HashAlgorithmName.SHA256);

    /// <summary>SHA-256 of the public key's DER encoding, short: names a key in reports.</summary>
    public static string Fingerprint(ECDsa key) => Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];
}
