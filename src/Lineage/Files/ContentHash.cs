using System.Security.Cryptography;
using System.Text;
using Lineage.Engine;

namespace Lineage.Files;

/// <summary>SHA-256 over a safetensors file's content as it is read back: the sorted metadata, then every
/// tensor's name, shape and bytes in name order. Fingerprints and training checkpoints record it so that any
/// changed byte (weights, shapes or metadata) is detected on load.</summary>
public static class ContentHash
{
    public static string Of(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> meta)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (k, v) in meta.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            sha.AppendData(Encoding.UTF8.GetBytes(k + "\u0000" + v + "\u0000"));
        foreach (var (name, t) in tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(name + "[" + string.Join(",", t.Shape) + "]"));
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Span));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    public static string Short(string hash) => hash.Length > 12 ? hash[..12] + "…" : hash;
}
