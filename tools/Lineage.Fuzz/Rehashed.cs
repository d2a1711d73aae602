using Lineage.Engine.IO;
using Lineage.Files;

namespace Lineage.Fuzz;

/// <summary>Fingerprints and checkpoints carry a content hash, so almost every mutation stops at the hash check. To reach the
/// checks behind it, the harness also rewrites a parsable mutant with its hash recomputed, as a forger who knows the format would.</summary>
static class Rehashed
{
    /// <returns>Whether the bytes parsed as safetensors and were rewritten to <paramref name="path"/> with a fresh hash.</returns>
    public static bool Write(byte[] bytes, string path, string hashKey)
    {
        SafeTensorsContent content;
        try { content = SafeTensors.Read(new MemoryStream(bytes, writable: false), path); }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IOException) { return false; }
        var meta = content.Metadata.Where(kv => kv.Key != hashKey).ToDictionary(kv => kv.Key, kv => kv.Value);
        meta[hashKey] = ContentHash.Of(content.Tensors, meta);
        var integers = content.DTypes.Where(kv => kv.Value == "I64").Select(kv => kv.Key).ToHashSet();
        try { SafeTensors.Save(path, content.Tensors, meta, integers); }
        catch (ArgumentException) { return false; }   // a value the writer refuses (a non-integer in an I64 tensor)
        return true;
    }
}
