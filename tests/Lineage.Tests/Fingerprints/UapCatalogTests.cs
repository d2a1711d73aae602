using Lineage.Evaluation;
using Lineage.Fingerprints;
using Lineage.Fingerprints.Uap;
using Lineage.Kits;
using Lineage.Models;
using Lineage.Suspects;
using Lineage.Tests.Kits;
using Lineage.Tests.Zoo;

namespace Lineage.Tests.Fingerprints;

/// <summary>UAP through the catalog: created from a tiny owner's kit, saved and loaded as a fingerprint file, verified
/// with its Welch p-value; the kit references it learned from are left out of calibration.</summary>
public sealed class UapCatalogTests
{
    static readonly Dictionary<string, string> Small = new()
    {
        ["points"] = "10", ["views"] = "4", ["uap_images"] = "100", ["max_passes"] = "2", ["xi"] = "3",
        ["encoder_epochs"] = "50", ["held_out_references"] = "1",
    };

    [Fact]
    public void CreatesFromAKitRoundTripsAndVerifies()
    {
        using var zooDir = new TinyZoo.TempDir();
        using var kitDir = new TinyZoo.TempDir();
        var (zoo, sourcePath) = TinyKit.Source(zooDir.Path);
        KitBuilder.Build(sourcePath, kitDir.Path, TinyKit.Options());
        var kit = OwnerKit.Load(kitDir.Path);
        var sourceFile = ModelFile.Load(sourcePath);
        var context = new CreationContext { Source = SourceModel.FromModelFile(sourceFile, "src"), OwnerData = ZooEvaluation.OwnerData(zoo, null), Kit = kit, Seed = 3 };
        var fp = FingerprintCreation.Create("uap", context, Small, new RuleOptions { Kit = kit });

        Assert.Equal("uap", fp.Method);
        Assert.Contains("did not learn from", fp.Rule.Basis);
        Assert.Equal(["probabilities", "top3", "top2", "label"], fp.Rules.Select(r => r.Representation));
        Assert.Equal(kit.Hash, fp.Parameter("kit"));
        Assert.DoesNotContain("images", fp.Artifacts.Keys);
        var path = Path.Combine(kitDir.Path, "uap.fingerprint");
        FingerprintFile.Save(fp, path);
        var loaded = FingerprintFile.Load(path);

        var own = FingerprintVerifier.Verify(loaded, ModelSuspect.Of(sourceFile, "source"));
        Assert.Equal("probabilities", own.Representation);
        Assert.Equal(1.0, own.Score, 5);
        Assert.True(own.Stolen);
        Assert.True(own.QueryPValue < 0.05, $"the source's Welch p-value is {own.QueryPValue}");
        Assert.Contains("Welch", own.QueryPValueBasis);
        Assert.Equal(4, own.PerQuery!.Count);
        var label = FingerprintVerifier.Verify(loaded, ModelSuspect.Of(sourceFile, "source", OutputMode.Label));
        Assert.Equal("label", label.Representation);
        Assert.Equal(FingerprintVerifier.Verify(fp, ModelSuspect.Of(sourceFile, "source", OutputMode.Label)).Score, label.Score, 12);
    }

    [Fact]
    public void NeedsAKit()
    {
        using var zooDir = new TinyZoo.TempDir();
        var (zoo, sourcePath) = TinyKit.Source(zooDir.Path);
        var context = new CreationContext { Source = SourceModel.FromModelFile(ModelFile.Load(sourcePath), "src"), OwnerData = ZooEvaluation.OwnerData(zoo, null) };
        Assert.Contains("--kit", Assert.Throws<ArgumentException>(() => FingerprintCreation.Create("uap", context, Small, new RuleOptions())).Message);
    }
}
