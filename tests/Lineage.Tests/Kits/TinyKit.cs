using Lineage.Evaluation;
using Lineage.Fingerprints;
using Lineage.Kits;
using Lineage.Models;
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

    /// <summary>The tiny source and its tiny kit, built into the two folders, as a creation context for a kit method.</summary>
    public static (CreationContext Context, OwnerKit Kit, ModelFile Source) Context(string zooDir, string kitDir, int seed)
    {
        var (zoo, sourcePath) = Source(zooDir);
        KitBuilder.Build(sourcePath, kitDir, Options());
        var kit = OwnerKit.Load(kitDir);
        var source = ModelFile.Load(sourcePath);
        var context = new CreationContext { Source = SourceModel.FromModelFile(source, "src"), OwnerData = ZooEvaluation.OwnerData(zoo, null), Kit = kit, Seed = seed };
        return (context, kit, source);
    }

    public static KitBuildOptions Options(Action<string>? log = null, CancellationToken cancel = default)
        => new() { Dataset = "shapes", Size = KitSize.Tiny, Log = log, Cancel = cancel };
}
