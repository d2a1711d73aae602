using System.Globalization;

namespace Lineage.Zoo;

/// <summary>
/// Shard i of n (1-based, as Slurm array and Kubernetes indexed jobs count after adding one). Models are dealt
/// round-robin in spec order, so the assignment depends only on the spec and every shard computes the same one.
/// </summary>
public sealed record ZooShard(int Index, int Count)
{
    public static ZooShard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int i)
            || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int n)
            || n < 1 || i < 1 || i > n)
            throw new ArgumentException($"shard '{text}' is not of the form i/n with 1 ≤ i ≤ n (e.g. 2/8)");
        return new ZooShard(i, n);
    }

    public bool Owns(ZooEntry entry) => entry.Index % Count == Index - 1;

    /// <summary>The partial manifest this shard writes beside manifest.json.</summary>
    public string ManifestFileName => $"manifest.shard-{Index}-of-{Count}.json";

    public override string ToString() => $"{Index}/{Count}";
}
