using Lineage.Engine;
using Lineage.Fingerprints.Cae;
using Lineage.Suspects;

namespace Lineage.Tests.Fingerprints;

/// <summary>CAE's pieces on hand-set numbers (no models).</summary>
public class CaeScoreTests
{
    [Fact]
    public void ConferrabilityOfHandSetLabelsIsTransferToSurrogatesTimesNonTransferToReferences()
    {
        int[] targets = [2, 0, 1];
        int[][] surrogates = [[2, 0, 0], [2, 1, 1]];
        int[][] references = [[2, 0, 3], [0, 0, 3], [1, 1, 1]];
        Assert.Equal([1.0, 0.5, 0.5], Conferrability.Transfer(surrogates, targets));
        Assert.Equal([1 / 3.0, 2 / 3.0, 1 / 3.0], Conferrability.Transfer(references, targets), new ToleranceComparer(1e-12));
        Assert.Equal([2 / 3.0, 1 / 6.0, 1 / 3.0], Conferrability.Confer(surrogates, references, targets), new ToleranceComparer(1e-12));
    }

    /// <summary>Constant "models" whose softmax is the given distribution, whatever the image.</summary>
    static Func<Tensor, Tensor> Fixed(params float[] probabilities) => x =>
    {
        int n = x.Shape[0], c = probabilities.Length;
        var logits = Tensor.Empty(n, c);
        for (int i = 0; i < n; i++) for (int k = 0; k < c; k++) logits.Span[i * c + k] = MathF.Log(probabilities[k]);
        return logits + x.Sum() * 0f; // keeps the graph connected to the input
    };

    [Fact]
    public void EnsembleOutputIsOneMinusRefTimesSurrOnHandSetOutputs()
    {
        var ensemble = new CaeEnsemble(Fixed(0.2f, 0.5f, 0.3f), [Fixed(0.1f, 0.7f, 0.2f)], [Fixed(0.6f, 0.3f, 0.1f), Fixed(0.2f, 0.1f, 0.7f)]);
        var o = ensemble.Forward(Tensor.Zeros(1, 1, 2, 2));
        // Surr = mean(source, surrogate) = [0.15, 0.6, 0.25]; Ref = [0.4, 0.2, 0.4]; M_E = [0.09, 0.48, 0.15]
        Assert.Equal([0.15f, 0.6f, 0.25f], o.Surr.ToArray(), new ToleranceComparerF(1e-6f));
        Assert.Equal([0.4f, 0.2f, 0.4f], o.Ref.ToArray(), new ToleranceComparerF(1e-6f));
        Assert.Equal([0.09f, 0.48f, 0.15f], o.Output.ToArray(), new ToleranceComparerF(1e-6f));
        Assert.Equal([0.09f, 0.48f, 0.15f], o.Scores, new ToleranceComparerF(1e-6f));
        Assert.Equal([0.1f, 0.7f, 0.2f], o.SurrogateMean.ToArray(), new ToleranceComparerF(1e-6f));
        Assert.Equal(0.48, Conferrability.Soft(o.Surr.ToArray(), o.Ref.ToArray(), 3, [1])[0], 6);
        // the target is the most conferrable class other than the original one
        Assert.Equal([2], CaeLoss.Targets(o.Scores, 3, [1]));
        Assert.Equal([1], CaeLoss.Targets(o.Scores, 3, [0]));
    }

    /// <summary>A linear "model" on 2×2 images: logits = flatten(x)·W.</summary>
    static Func<Tensor, Tensor> Linear(int seed) { var w = Tensor.Randn(new Generator(seed), 4, 3).ClonePersistent(); return x => Functional.MatMul(x.Reshape(x.Shape[0], 4), w); }

    [Fact]
    public void WithOnlyTheEnsembleTermEveryStepIsEquation14s()
    {
        // −log M_E[t] and Eq. 14's −M_E[t] differ by an increasing map, so their gradients have the same signs
        var ensemble = new CaeEnsemble(Linear(1), [Linear(2), Linear(3)], [Linear(4), Linear(5)]);
        var x = Tensor.Rand(new Generator(9), 6, 1, 2, 2).ClonePersistent().RequireGrad();
        var o = ensemble.Forward(x);
        int[] original = o.SourceLabels;
        var targets = CaeLoss.Targets(o.Scores, 3, original);
        var ours = Autograd.Grad(CaeLoss.Compute(o, targets, Tensor.Zeros(6, 3), new CaeOptions()), [x])[0].ToArray();
        var oneHot = Tensor.Zeros(6, 3);
        for (int i = 0; i < 6; i++) oneHot.Span[i * 3 + targets[i]] = 1f;
        var paper = Autograd.Grad(-(ensemble.Forward(x).Output * oneHot).Sum(), [x])[0].ToArray();
        Assert.Equal(paper.Select(MathF.Sign), ours.Select(MathF.Sign));
        Assert.Contains(ours, v => v != 0);
        // the source-label terms change the step
        var withTerms = Autograd.Grad(CaeLoss.Compute(ensemble.Forward(x), targets, Functional.Softmax(o.SourceLogits.Detach(), 1), new CaeOptions { Beta = 1, Gamma = 1 }), [x])[0].ToArray();
        Assert.NotEqual(ours, withTerms);
    }

    [Fact]
    public void DropoutKeepsAtLeastOneMemberPerSideAndIsSeeded()
    {
        var ensemble = new CaeEnsemble(Fixed(0.2f, 0.5f, 0.3f), [Fixed(0.1f, 0.7f, 0.2f), Fixed(0.3f, 0.3f, 0.4f)], [Fixed(0.6f, 0.3f, 0.1f), Fixed(0.2f, 0.1f, 0.7f)]);
        var x = Tensor.Zeros(50, 1, 2, 2);
        var a = ensemble.Forward(x, 0.9f, new Generator(4)).Output.ToArray();
        var b = ensemble.Forward(x, 0.9f, new Generator(4)).Output.ToArray();
        Assert.Equal(a, b);
        // every row is a product of a mix of kept members: finite, in [0, 1], not all zero
        for (int i = 0; i < 50; i++)
        {
            var row = a.AsSpan(i * 3, 3).ToArray();
            Assert.All(row, v => Assert.InRange(v, 0f, 1f));
            Assert.True(row.Sum() > 0.05f, $"row {i} lost both sides: {string.Join(", ", row)}");
        }
        // members were dropped differently per example
        Assert.Contains(Enumerable.Range(1, 49), i => !a.AsSpan(i * 3, 3).SequenceEqual(a.AsSpan(0, 3)));
    }

    [Fact]
    public void FingerprintAccuracyAgainstThePapersTheta()
    {
        int[] source = [1, 2, 3, 4];
        Assert.Equal(0.75, CaeScore.FingerprintAccuracy(source, [1, 2, 3, 0]));
        Assert.True(CaeScore.IsSurrogate(0.75));
        Assert.False(CaeScore.IsSurrogate(0.69));
        Assert.Equal(0.7, CaeScore.PaperThreshold);
        Assert.Throws<ArgumentException>(() => CaeScore.FingerprintAccuracy(source, [1, 2]));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-0.1f)]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    public void EpsilonOutsideZeroOneFails(float epsilon)
    {
        var e = Assert.Throws<ArgumentException>(() => new CaeOptions { Epsilon = epsilon }.Validate());
        Assert.Contains("epsilon", e.Message);
        Assert.Equal("Epsilon", e.ParamName);
    }

    [Fact]
    public void OtherBadSettingsFailNamingTheSetting()
    {
        Assert.Equal("Candidates", Assert.Throws<ArgumentException>(() => new CaeOptions { Candidates = 50, Examples = 100 }.Validate()).ParamName);
        Assert.Equal("Dropout", Assert.Throws<ArgumentException>(() => new CaeOptions { Dropout = 1f }.Validate()).ParamName);
        Assert.Equal("Alpha", Assert.Throws<ArgumentException>(() => new CaeOptions { Alpha = 0, Beta = 0, Gamma = 0 }.Validate()).ParamName);
        Assert.Equal("Steps", Assert.Throws<ArgumentException>(() => new CaeOptions { Steps = 0 }.Validate()).ParamName);
        new CaeOptions { Epsilon = 1f }.Validate();
    }

    sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(double v) => 0;
    }

    sealed class ToleranceComparerF(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => MathF.Abs(a - b) <= tolerance;
        public int GetHashCode(float v) => 0;
    }
}

/// <summary>C-BIM on a tiny shapes kit.</summary>
public class CaeGeneratorTests(CaeFixture kit) : IClassFixture<CaeFixture>
{
    static readonly CaeOptions Small = CaeFixture.Small;

    CaeResult Generate(CaeOptions options, CancellationToken cancel = default) => kit.Generate(options, null, cancel);

    [Fact]
    public void ExamplesStayWithinEpsilonAndThePixelRangeAndFlipTheSourceLabel()
    {
        var (result, lines) = kit.Generated;
        int n = Small.Examples, per = kit.Defender.ImageSize;
        Assert.Equal([n, 1, 28, 28], result.Examples.Shape);
        var x = result.Examples.Span;
        for (int k = 0; k < n; k++)
        {
            var clean = kit.Defender.Image(result.OwnerIndices[k]);
            Assert.Equal(kit.Defender.Labels[result.OwnerIndices[k]], result.OriginalLabels[k]);
            for (int i = 0; i < per; i++)
            {
                float v = x[k * per + i];
                Assert.InRange(v, 0f, 1f);
                Assert.True(MathF.Abs(v - clean[i]) <= Small.Epsilon + 1e-6f, $"example {k} pixel {i} moved {v - clean[i]}");
            }
        }
        int[] labels;
        using (GradMode.NoGrad()) labels = kit.Source.Logits(result.Examples).ArgMax(1);
        Assert.Equal(result.SourceLabels, labels);
        for (int k = 0; k < n; k++) Assert.NotEqual(result.OriginalLabels[k], labels[k]);
        // most conferrable first, and the counts add up
        for (int k = 1; k < n; k++) Assert.True(result.Conferrability[k] <= result.Conferrability[k - 1]);
        Assert.Equal(n, result.Stats.Kept);
        Assert.InRange(result.Stats.Flipped, n, Small.Candidates);
        Assert.Contains(lines, l => l.Contains("step 1/20") && l.Contains("mean conferrability"));
        Assert.Contains(lines, l => l.StartsWith("CAE kept 20 of 60"));
    }

    [Fact]
    public void HeldOutSurrogateAgreesWithTheSourceMoreThanHeldOutReference()
    {
        var result = kit.Generated.Result;
        var report = HeldOutConferrability.Measure(result.Examples, result.SourceLabels,
            [TrainedModelsFixture.AsSuspect(kit.HeldOutSurrogate, "held-out surrogate", OutputMode.Label)],
            [TrainedModelsFixture.AsSuspect(kit.HeldOutReference, "held-out reference", OutputMode.Label)]);
        Assert.True(report.MeanSurrogateAccuracy > report.MeanReferenceAccuracy,
            $"held-out surrogate {report.MeanSurrogateAccuracy:F2} vs reference {report.MeanReferenceAccuracy:F2}");
        Assert.True(report.MeanConferrability > 0);
        // measured again through the black-box boundary, the training models give the generator's conferrability
        // (a label may differ where a batch of another size rounds a near-tie the other way)
        var training = HeldOutConferrability.Measure(result.Examples, result.SourceLabels,
            kit.Surrogates.Select((m, i) => TrainedModelsFixture.AsSuspect(m, $"s{i}")).ToArray(),
            kit.References.Select((m, i) => TrainedModelsFixture.AsSuspect(m, $"r{i}")).ToArray());
        int same = result.Conferrability.Zip(training.PerExample).Count(p => p.First == p.Second);
        Assert.True(same >= result.Conferrability.Length - 1, $"{same} of {result.Conferrability.Length} examples have the generator's conferrability");
    }

    [Fact]
    public void LabelOnlySuspectScoresAsTheSameSuspectReadThroughItsLogits()
    {
        var result = kit.Generated.Result;
        foreach (var model in new[] { kit.HeldOutSurrogate, kit.HeldOutReference })
        {
            double Score(OutputMode mode) => CaeScore.FingerprintAccuracy(result.SourceLabels, TrainedModelsFixture.AsSuspect(model, "m", mode).Query(result.Examples));
            Assert.Equal(Score(OutputMode.Logits), Score(OutputMode.Label));
        }
    }

    [Fact]
    public void MoreExamplesThanQualifyingCandidatesFailsWithTheCounts()
    {
        var few = kit.Defender.Subset(Enumerable.Range(0, 30).ToArray());
        var e = Assert.Throws<ArgumentException>(() => CaeGenerator.Generate(kit.Source.Logits, kit.SurrogateLogits, kit.ReferenceLogits, few,
            Small with { Candidates = 40, Examples = 40, Steps = 1 }));
        Assert.Contains("larger than the candidates found", e.Message);
        var strict = Assert.Throws<ArgumentException>(() => Generate(Small with { Steps = 1, Candidates = 20, MinConferrability = 1 }));
        Assert.Contains("larger than the candidates found", strict.Message);
    }

    [Fact]
    public void TooFewModelsOrAModelOfAnotherShapeFails()
    {
        var one = Assert.Throws<ArgumentException>(() => CaeGenerator.Generate(kit.Source.Logits, kit.SurrogateLogits.Take(1).ToArray(), kit.ReferenceLogits, kit.Defender, Small));
        Assert.Contains("at least 2 training surrogates", one.Message);
        var colour = Lineage.Models.Architectures.ArchitectureCatalog.Create(
            new Lineage.Models.Architectures.ArchitectureSpec { Name = "cnn-c", InChannels = 3, ImageSize = 32, Classes = 10, Width = 0.5f }, new Generator(1));
        colour.Eval();
        var shape = Assert.Throws<ArgumentException>(() => CaeGenerator.Generate(kit.Source.Logits, [kit.SurrogateLogits[0], colour.Forward], kit.ReferenceLogits, kit.Defender, Small));
        Assert.Contains("surrogate 2", shape.Message);
    }

    [Fact]
    public void CancelledGenerationReturnsNothing()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Generate(Small, cancel.Token));
    }
}
