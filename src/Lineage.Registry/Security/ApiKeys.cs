using System.Security.Cryptography;
using System.Text;

namespace Lineage.Registry.Security;

/// <summary>
/// API keys: 32 random bytes, shown once when made and stored only as their SHA-256. A key is high-entropy, so a
/// plain hash is as good as a slow one here (there is nothing to guess), and a lookup is one indexed equality. The
/// first characters (the prefix) are kept to tell keys apart in listings; they reveal nothing usable.
/// </summary>
public static class ApiKeys
{
    public const string Scheme = "lrk_";

    public static string Create() => Scheme + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static string Prefix(string key) => key.Length > 10 ? key[..10] : key;

    /// <summary>Compares two keys' hashes in constant time (the operator key is checked this way, not by lookup).</summary>
    public static bool Matches(string key, string expectedHash)
        => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(key)), Encoding.ASCII.GetBytes(expectedHash));
}
