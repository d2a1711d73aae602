using Lineage.Engine;
using Lineage.Evaluation;
using Lineage.Fingerprints;
using Lineage.Fingerprints.MetaFinger;
using Lineage.Kits;
using Lineage.Models;
using Lineage.Suspects;
using Lineage.Tests.Kits;
using Lineage.Tests.Zoo;

namespace Lineage.Tests.Fingerprints;

public sealed class MetaFingerMethodTests
{
    /// <summary>Hand-made "models": each returns fixed logits whose argmax per row is the given label.</summary>
    static Func<Tensor, Tensor> Labelling(params int[] labels) => x =>
    {
        var logits = new float[labels.Length * 3];
        for (int i = 0; i < labels.Length; i++) logits[i * 3 + labels[i]] = 5f;
        return Tensor.FromArray(logits, labels.Length, 3);
    };

    [Fact]
    public void TheScreenKeepsOnlyQueriesEveryPositiveMatchesAndNoNegativeDoes()
    {
        var queries = Tensor.Zeros(4, 1, 2, 2);
        var source = Labelling(0, 1, 2, 0);
        var positives = new[] { Labelling(0, 1, 1, 0), Labelling(0, 1, 2, 0) };   // row 2: one positive disagrees
        var negatives = new[] { Labelling(1, 0, 0, 0) };                          // row 3: the negative agrees
        Assert.Equal([0, 1], MetaFingerMethod.Screen(source, positives, negatives, queries));
    }

    [Fact]
    public void LearnsFromTheKitScreensOnHeldOutModelsAndRoundTrips()
    {
        using var zooDir = new TinyZoo.TempDir();
        using var kitDir = new TinyZoo.TempDir();
        var (context, kit, sourceFile) = TinyKit.Context(zooDir.Path, kitDir.Path, seed: 2);
        var fp = FingerprintCreation.Create("metafinger", context, new Dictionary<string, string> { ["samples"] = "20", ["batch"] = "40", ["steps"] = "10", ["rounds"] = "3" }, new RuleOptions { Kit = kit });

        Assert.InRange(fp.QueryCount, 1, 20);
        Assert.All(fp.Queries.ToArray(), v => Assert.InRange(v, 0f, 1f));
        // training, validation and calibration models are disjoint, and calibration only uses what chose nothing
        var training = fp.Parameter("kit_training_references").Split(' ');
        var validation = fp.Parameter("kit_validation_models").Split(' ');
        var calibration = fp.Parameter("kit_held_out_references").Split(' ');
        Assert.Empty(training.Intersect(validation).Concat(training.Intersect(calibration)).Concat(validation.Intersect(calibration)));
        Assert.Equal(calibration.Length, fp.Rule.NullScores.Count);
        // every kept query passed the screen: the validation surrogate gives the source's label on all of them
        var validationSurrogate = kit.Surrogates.Single(m => validation.Contains(m.Id));
        var own = FingerprintVerifier.Verify(fp, ModelSuspect.Of(sourceFile, "source", OutputMode.Label));
        Assert.Equal(1.0, own.Score);
        Assert.Equal(1.0, FingerprintVerifier.Verify(fp, ModelSuspect.Of(validationSurrogate.Load(kit), "v", OutputMode.Label)).Score);

        var path = Path.Combine(kitDir.Path, "metafinger.fingerprint");
        FingerprintFile.Save(fp, path);
        Assert.Equal(own.Score, FingerprintVerifier.Verify(FingerprintFile.Load(path), ModelSuspect.Of(sourceFile, "source")).Score);
    }
}

/// <summary>An empty screen is a clear failure with the counts at each round, never an empty fingerprint.</summary>
public sealed class MetaFingerEmptyScreenTests(TrainedModelsFixture models) : IClassFixture<TrainedModelsFixture>
{
    [Fact]
    public void AScreenThatKeepsNothingSaysSoWithItsCounts()
    {
        var context = new CreationContext { Source = models.SourceModel, OwnerData = models.Defender, Seed = 5, Kit = models.Kit };
        var e = Assert.Throws<ArgumentException>(() => FingerprintCreation.Create("metafinger", context,
            new Dictionary<string, string> { ["samples"] = "20", ["batch"] = "100", ["steps"] = "30", ["rounds"] = "2" }, new RuleOptions { Kit = models.Kit }));
        Assert.Contains("kept no query in 2 round(s) of 100 (0, 0 per round)", e.Message);
    }
}
