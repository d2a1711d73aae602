using Lineage.Kits;
using Lineage.Tests.Zoo;
using Lineage.Zoo;

namespace Lineage.Tests.Kits;

/// <summary>A tiny shapes source (the tiny zoo's, built once per directory) and the tiny kit built for it: a
/// second or two per build.</summary>
public static class TinyKit
{
    /// <summary>Builds the tiny zoo into <paramref name="zooDir"/> and returns its manifest and the source's path.</summary>
    public static (ZooManifest Zoo, string SourcePath) Source(string zooDir)
    {
        var zoo = ZooBuilder.Build(TinyZoo.Plan(), zooDir).Manifest with { Directory = zooDir };
        return (zoo, zoo.PathOf(zoo.Models.Single(m => m.Id == "src")));
    }

    public static KitBuildOptions Options(Action<string>? log = null, CancellationToken cancel = default)
        => new() { Dataset = "shapes", Size = KitSize.Tiny, Log = log, Cancel = cancel };
}
