namespace Lineage.Zoo;

/// <summary>What a build did: the manifest it wrote and where, the declared models it trained (<see cref="Built"/>,
/// including ancestors a shard built for its own models) and those found in the cache, how many model files it
/// wrote in all (intermediate steps included), warnings (corrupt cache entries it replaced) and the wall time.</summary>
public sealed record ZooBuildResult(
    ZooManifest Manifest,
    string ManifestPath,
    IReadOnlyList<string> Built,
    IReadOnlyList<string> Cached,
    int FilesWritten,
    IReadOnlyList<string> Warnings,
    double Seconds);
