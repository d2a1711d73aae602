using Lineage.Fingerprints;
using Lineage.Suspects;

namespace Lineage.Tests.Fingerprints;

/// <summary>CAE on the catalog with a tiny owner's kit (the catalog tests round-trip its file).</summary>
public class CaeMethodTests(TrainedModelsFixture models) : IClassFixture<TrainedModelsFixture>
{
    static readonly Dictionary<string, string> Small = new() { ["candidates"] = "30", ["examples"] = "10", ["steps"] = "10", ["step_size"] = "0.03" };
    static readonly RuleOptions PaperRule = new() { PreferPaperRule = true };

    Fingerprint Create(Dictionary<string, string>? parameters = null, Lineage.Kits.OwnerKit? kit = null, SourceModel? source = null)
        => FingerprintCreation.Create("cae", new CreationContext { Source = source ?? models.SourceModel, OwnerData = models.Defender, Seed = 2, Kit = kit ?? models.Kit }, parameters ?? Small, PaperRule);

    [Fact]
    public void TheFingerprintRecordsTheKitItsSplitAndBothConferrabilities()
    {
        var fp = Create();
        Assert.Equal(10, fp.QueryCount);
        Assert.Equal(fp.SourceOutput.Labels, fp.ExpectedLabels);
        Assert.Equal(models.Kit.Hash, fp.Parameters["kit"]);  // recorded by the catalog for every method that had a kit
        foreach (var key in new[] { "kit_training_surrogates", "kit_training_references", "kit_held_out_surrogates", "kit_held_out_references", "training_conferrability", "held_out_conferrability" })
            Assert.False(string.IsNullOrEmpty(fp.Parameters[key]), key);
        Assert.Equal(2, fp.Parameters["kit_training_surrogates"].Split(' ').Length);
        // held-out references by default: 2 when the kit has at least 4 (two to model the calibration's spread), else 1
        int heldOut = models.Kit.References.Count >= 4 ? 2 : 1;
        Assert.Equal(heldOut, fp.Parameters["kit_held_out_references"].Split(' ').Length);
        Assert.Equal(models.Kit.References.Count - heldOut, fp.Parameters["kit_training_references"].Split(' ').Length);
        Assert.Equal([10], fp.Artifacts["conferrability"].Shape);
        Assert.Equal([10], fp.Artifacts["held_out_conferrability"].Shape);
        // the paper's rule: θ = 0.7 on label agreement
        Assert.Equal(0.7, fp.Rule.Threshold);
        Assert.Contains("CAE §5.2", fp.Rule.Basis);
        var own = FingerprintVerifier.Verify(fp, TrainedModelsFixture.AsSuspect(models.Source, "source", OutputMode.Label));
        Assert.Equal(1.0, own.Score);
        Assert.True(own.Stolen);
    }

    [Fact]
    public void WithoutAKitOrWithTooSmallOrAnotherSourcesKitItFailsClearly()
    {
        var none = Assert.Throws<ArgumentException>(() => FingerprintCreation.Create("cae",
            new CreationContext { Source = models.SourceModel, OwnerData = models.Defender, Seed = 2 }, Small, PaperRule));
        Assert.Contains("--kit", none.Message);
        var small = Assert.Throws<ArgumentException>(() => Create(new(Small) { ["held_out_surrogates"] = "2" }));
        Assert.Contains("needs at least", small.Message);
        var other = Assert.Throws<ArgumentException>(() => Create(source: SourceModel.FromModelFile(models.Independent, "other")));
        Assert.Contains("not for this source", other.Message);
        var epsilon = Assert.Throws<ArgumentException>(() => Create(new(Small) { ["epsilon"] = "0" }));
        Assert.Contains("epsilon=0 is not a number in (0, 1]", epsilon.Message);
    }
}
