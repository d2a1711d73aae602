using System.Security.Cryptography;
using System.Text;
using Lineage.Engine.Nn;

namespace Lineage.Models;

/// <summary>SHA-256 over a model's architecture and every state-dict tensor (name, shape, bytes) in order:
/// the identity fingerprints and lineage records refer to. Metadata (dates, accuracy) is not part of it.</summary>
public static class ModelHash
{
    public static string Compute(string architectureJson, Module model)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(architectureJson));
        foreach (var (name, t) in model.StateDict())
        {
            sha.AppendData(Encoding.UTF8.GetBytes(name + "[" + string.Join(",", t.Shape) + "]"));
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Span));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
