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
        var (context, kit, sourceFile) = TinyKit.Context(zooDir.Path, kitDir.Path, seed: 3);
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

    /// <summary>The Fig. 7 ablation: each view image carries its own DeepFool perturbation, stored with the fingerprint
    /// and added image by image to make the second half of the queries.</summary>
    [Fact]
    public void APerImageFingerprintStoresOnePerturbationPerImage()
    {
        using var zooDir = new TinyZoo.TempDir();
        using var kitDir = new TinyZoo.TempDir();
        var (context, kit, sourceFile) = TinyKit.Context(zooDir.Path, kitDir.Path, seed: 3);
        // 10 points × 8 views: more view images than one DeepFool batch of 64
        var fp = FingerprintCreation.Create("uap", context, new Dictionary<string, string>(Small) { ["perturbation"] = "per-image", ["views"] = "8" }, new RuleOptions { Kit = kit });

        var path = Path.Combine(kitDir.Path, "uap-per-image.fingerprint");
        FingerprintFile.Save(fp, path);
        var uap = UapFingerprint.FromArtifacts(FingerprintFile.Load(path).Artifacts, fp.Queries);
        Assert.True(uap.PerImage);
        Assert.True(uap.Images.Shape[0] > 64, $"{uap.Images.Shape[0]} view images");
        Assert.Equal(uap.Images.Shape, uap.Perturbation.Shape);
        int u = uap.Images.Shape[0], per = uap.Images.Size / u;
        var queries = uap.Queries();
        for (int i = 0; i < u; i++)
            for (int k = 0; k < per; k += 37)
                Assert.Equal(Math.Clamp(uap.Images.Span[i * per + k] + uap.Perturbation.Span[i * per + k], 0f, 1f), queries.Span[(u + i) * per + k]);
        // the images differ in their perturbations: no single v would do
        Assert.NotEqual(uap.Perturbation.Span[..per].ToArray(), uap.Perturbation.Span.Slice(per, per).ToArray());
        Assert.Equal("per-image", fp.Parameter("perturbation"));
        Assert.True(FingerprintVerifier.Verify(fp, ModelSuspect.Of(sourceFile, "source")).Stolen);
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
