using Lineage.Engine;
using Lineage.Fingerprints;
using Lineage.Fingerprints.IpGuard;
using Lineage.Fingerprints.Sac;
using Lineage.Statistics;
using Lineage.Suspects;

namespace Lineage.Tests.Fingerprints;

public class FingerprintMethodTests(TrainedModelsFixture models) : IClassFixture<TrainedModelsFixture>
{
    static readonly RuleOptions Explicit = new() { Threshold = 0.1 };

    Fingerprint Create(string method, Dictionary<string, string>? parameters, int seed, RuleOptions? rule = null)
        => FingerprintCreation.Create(method, new CreationContext { Source = models.SourceModel, OwnerData = models.Defender, Seed = seed }, parameters, rule ?? Explicit);

    Fingerprint SacM(Dictionary<string, string>? parameters = null) => Create("sac-m", parameters, 3);

    [Fact]
    public void SacDistanceIsZeroForTheSourceItself()
    {
        var fp = SacM();
        var v = FingerprintVerifier.Verify(fp, TrainedModelsFixture.AsSuspect(models.Source, "source"));
        Assert.Equal(0.0, v.Score, 6);
        Assert.Equal(100, v.QueriesSpent);
    }

    [Theory]
    [InlineData("yun", OutputMode.Logits)]
    [InlineData("corner", OutputMode.Logits)]
    [InlineData("yun", OutputMode.Probabilities)]
    [InlineData("yun", OutputMode.TopK)]
    [InlineData("yun", OutputMode.Label)]
    public void SacMScoresAFineTunedCopyCloserThanIndependentModels(string cutmix, OutputMode mode)
    {
        var fp = SacM(new() { ["cutmix"] = cutmix });
        double Score(Lineage.Models.ModelFile m) => FingerprintCatalog.Get("sac-m").Score(fp, TrainedModelsFixture.AsSuspect(m, "m", mode, 3).Query(fp.Queries)).Value;
        double copy = Score(models.FineTuned), indep = Score(models.Independent), indep2 = Score(models.Independent2);
        Assert.True(copy < indep && copy < indep2, $"fine-tuned {copy:F4} vs independent {indep:F4} / {indep2:F4} ({mode})");
    }

    [Fact]
    public void SacMQueriesAreCutMixedAndTransposed()
    {
        var plain = SacM(new() { ["transpose_flip"] = "false" });
        var flipped = SacM(new() { ["transpose_flip"] = "true" });
        Assert.Equal([100, 1, 28, 28], flipped.Queries.Shape);
        Assert.Equal(plain.Queries.Permute(0, 1, 3, 2).ToArray(), flipped.Queries.ToArray());
    }

    [Fact]
    public void SacWKeepsOnlySamplesTheSourceGetsWrong()
    {
        var fp = Create("sac-w", new() { ["surrogates"] = "1", ["surrogate_epochs"] = "1", ["samples"] = "50" }, 2);
        var pred = fp.SourceOutput.Labels;
        // every query is an owner image whose true label differs from the source's prediction
        var owner = models.Defender;
        int n = fp.QueryCount;
        Assert.InRange(n, 2, 50);
        int per = owner.ImageSize;
        for (int q = 0; q < n; q++)
        {
            var img = fp.Queries.Span.Slice(q * per, per).ToArray();
            int match = Enumerable.Range(0, owner.Count).First(i => owner.Image(i).SequenceEqual(img));
            Assert.NotEqual(owner.Labels[match], pred[q]);
        }
        var copy = FingerprintVerifier.Verify(fp, TrainedModelsFixture.AsSuspect(models.FineTuned, "copy")).Score;
        var indep = FingerprintVerifier.Verify(fp, TrainedModelsFixture.AsSuspect(models.Independent, "indep")).Score;
        Assert.True(copy < indep, $"SAC-w: fine-tuned {copy:F4} vs independent {indep:F4}");
    }

    [Fact]
    public void IpGuardPointsCarryTheTargetLabelJustPastTheBoundary()
    {
        const float margin = 3f;
        var start = Lineage.Data.DataSplits.Subsample(models.Defender, 20, 4).AsTensor();
        var points = IpGuardSampler.BoundaryPoints(models.SourceModel, start, TargetChoice.Random, margin, 0.01, 500, new Generator(4), out var original, out var targets);
        var logits = models.SourceModel.LogitsOf(points);
        int reached = 0;
        for (int s = 0; s < 20; s++)
        {
            var z = logits.AsSpan(s * 10, 10);
            int top = 0; for (int c = 1; c < 10; c++) if (z[c] > z[top]) top = c;
            if (top != targets[s]) continue;
            reached++;
            float lead = z[targets[s]] - z[original[s]];
            Assert.True(lead > 0 && lead <= margin + 2f, $"point {s}: target leads by {lead}");  // past the boundary, by about k at most  
        }
        Assert.True(reached >= 16, $"only {reached} of 20 points reached their target");
        // points whose margin loss reached zero stopped there: the target leads by k, plus at most one step's overshoot
        var (_, perSample) = IpGuardSampler.MarginLoss(Tensor.FromArray(logits, 20, 10), original, targets, margin);
        int finished = 0;
        for (int s = 0; s < 20; s++)
        {
            if (perSample[s] > 0) continue;
            finished++;
            float lead = logits[s * 10 + targets[s]] - logits[s * 10 + original[s]];
            Assert.InRange(lead, margin, margin + 2f);
        }
        Assert.True(finished >= 10, $"only {finished} of 20 points reached zero loss");
        Assert.All(points.ToArray(), v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void IpGuardMatchesTheSourceFullyAndWorksLabelOnly()
    {
        var fp = Create("ipguard", new() { ["points"] = "30", ["max_steps"] = "200", ["margin"] = "3" }, 5, new RuleOptions { Threshold = 0.5 });
        Assert.Equal(1.0, FingerprintVerifier.Verify(fp, TrainedModelsFixture.AsSuspect(models.Source, "src", OutputMode.Label)).Score);
        var copy = FingerprintVerifier.Verify(fp, TrainedModelsFixture.AsSuspect(models.FineTuned, "copy", OutputMode.Label)).Score;
        var indep = FingerprintVerifier.Verify(fp, TrainedModelsFixture.AsSuspect(models.Independent, "indep", OutputMode.Label)).Score;
        Assert.True(copy > indep, $"IPGuard: fine-tuned {copy:F3} vs independent {indep:F3}");
    }

    [Fact]
    public void QueryBudgetIsNeverExceeded()
    {
        var fp = SacM();
        var metered = new MeteredSuspect(TrainedModelsFixture.AsSuspect(models.Independent, "indep"), budget: 99);
        Assert.Throws<QueryBudgetExceededException>(() => FingerprintVerifier.Verify(fp, metered));
        Assert.Equal(0, metered.QueriesSpent);
    }

    [Fact]
    public void CalibratedRuleReportsPValues()
    {
        var rule = new RuleOptions { IndependentModels = [TrainedModelsFixture.AsSuspect(models.Independent, "i1"), TrainedModelsFixture.AsSuspect(models.Independent2, "i2")], TargetFpr = 0.05 };
        var fp = Create("sac-m", null, 3, rule);
        Assert.True(fp.Rule.IsCalibrated);
        Assert.Equal(2, fp.Rule.NullScores.Count);
        var v = FingerprintVerifier.Verify(fp, TrainedModelsFixture.AsSuspect(models.FineTuned, "copy"));
        Assert.True(v.Stolen);
        // against the two null models: the Student-t prediction on 1 df (a Cauchy tail), oriented so lower is stolen
        var (n1, n2) = (fp.Rule.NullScores[0], fp.Rule.NullScores[1]);
        double t = ((n1 + n2) / 2 - v.Score) / (Math.Abs(n1 - n2) / Math.Sqrt(2) * Math.Sqrt(1.5));
        Assert.Equal(0.5 - Math.Atan(t) / Math.PI, v.PValue!.Value, 9);
        Assert.StartsWith("Student-t prediction from the 2 null models", v.PValueBasis);
        Assert.Null(v.QueryPValue);  // SAC-m has no test over its queries
        Assert.Contains("conformal rank rule on 2 independent models", v.RuleBasis);
        Assert.Equal(1.0 / 3, v.GuaranteedFpr!.Value, 6);  // two nulls cannot hold 5 %: beyond both, 1/3
        Assert.Equal(["logits", "probabilities", "top-1 probabilities", "top-2 probabilities", "top-3 probabilities", "smoothed labels"], fp.Rules.Select(r => r.Representation));

        // a label-only suspect is judged by the rule calibrated for smoothed labels, on its own scale
        var labelOnly = FingerprintVerifier.Verify(fp, TrainedModelsFixture.AsSuspect(models.FineTuned, "copy", OutputMode.Label));
        Assert.Equal("smoothed labels", labelOnly.Representation);
        Assert.Equal(fp.RuleFor("smoothed labels").Threshold, labelOnly.Threshold);
        Assert.NotEqual(fp.Rule.Threshold, labelOnly.Threshold);
    }

    [Fact]
    public void SacsPaperRuleIsMidwayBetweenIndependentAndDerivedValidationModels()
    {
        var independent = TrainedModelsFixture.AsSuspect(models.Independent, "i");
        var derived = TrainedModelsFixture.AsSuspect(models.FineTuned, "d");
        var rule = new RuleOptions { IndependentModels = [independent], DerivedModels = [derived], PreferPaperRule = true };
        var fp = Create("sac-m", null, 3, rule);
        var sac = FingerprintCatalog.Get("sac-m");
        double ind = sac.Score(fp, independent.Query(fp.Queries)).Value, der = sac.Score(fp, derived.Query(fp.Queries)).Value;
        Assert.Equal((ind + der) / 2, fp.Rule.Threshold, 9);
        Assert.Contains("SAC §3.2", fp.Rule.Basis);
        Assert.False(fp.Rule.IsCalibrated);
    }

    /// <summary>SAC §4.1 Transfer-A/L: a model moved to another label space answers with another number of classes.
    /// SAC correlates samples within each model's own outputs, so it still scores such a suspect: outputs that keep
    /// the source's sample structure (its logits pooled into 4 groups, as a super-class head would) come out closer
    /// than unrelated 4-class outputs.</summary>
    [Fact]
    public void SacScoresASuspectWithAnotherNumberOfClasses()
    {
        var fp = SacM();
        var src = fp.SourceOutput;
        int n = src.Count, c = src.Classes;
        var pooled = new float[n * 4];
        for (int r = 0; r < n; r++)
            for (int j = 0; j < c; j++) pooled[r * 4 + j % 4] += src.Values![r * c + j];
        var gen = new Generator(5);
        var unrelated = Tensor.Randn(gen, n, 4).ToArray();
        var sac = FingerprintCatalog.Get("sac-m");
        double near = sac.Score(fp, SuspectOutput.FromLogits(pooled, n, 4)).Value;
        double far = sac.Score(fp, SuspectOutput.FromLogits(unrelated, n, 4)).Value;
        Assert.True(near < far, $"pooled source logits {near} should be closer than unrelated outputs {far}");
        var labels = sac.Score(fp, SuspectOutput.FromLabels(Enumerable.Range(0, n).Select(i => i % 4).ToArray(), 4));
        Assert.Equal("smoothed labels", labels.Representation);
        Assert.InRange(labels.Value, 0, 1);
    }

    [Fact]
    public void AnOwnersThresholdCoversOnlyThePrimaryView()
    {
        var fp = SacM();
        var ex = Assert.Throws<NotSupportedException>(() => FingerprintVerifier.Verify(fp, TrainedModelsFixture.AsSuspect(models.FineTuned, "copy", OutputMode.Label)));
        Assert.Contains("smoothed labels", ex.Message);
    }

    [Fact]
    public void WithoutARuleSourceCreationExplainsWhatIsNeeded()
    {
        var ex = Assert.Throws<ArgumentException>(() => Create("sac-m", null, 0, new RuleOptions()));
        Assert.Contains("independent", ex.Message);
    }
}
