using Lineage.Engine;
using Lineage.Fingerprints;
using Lineage.Fingerprints.NaturalFinger;
using Lineage.Generative;
using Lineage.Tests.Kits;
using Lineage.Tests.Zoo;

namespace Lineage.Tests.Fingerprints;

public sealed class NaturalFingerTests
{
    /// <summary>A hand-made "model" with fixed labels per row, whatever the image.</summary>
    static Func<Tensor, Tensor> Labelling(params int[] labels) => x =>
    {
        var logits = new float[labels.Length * 3];
        for (int i = 0; i < labels.Length; i++) logits[i * 3 + labels[i]] = 5f;
        // + 0 · mean(x): on the image's autograd path, so an attack can differentiate through it
        return Tensor.FromArray(logits, labels.Length, 3) + x.Reshape(labels.Length, x.Size / labels.Length).Mean(1, keepDim: true) * 0f;
    };

    /// <summary>A hand-made model that says 1 when the image's left half is brighter than its right, else 0: a flip
    /// changes its answer, so screening under transforms matters to it.</summary>
    static Tensor LeftHeavy(Tensor x)
    {
        int n = x.Shape[0], w = x.Shape[3], h = x.Shape[2];
        var logits = new float[n * 3];
        for (int i = 0; i < n; i++)
        {
            double left = 0, right = 0;
            for (int y = 0; y < h; y++)
                for (int c = 0; c < w; c++) { float v = x.Span[i * h * w + y * w + c]; if (c < w / 2) left += v; else right += v; }
            logits[i * 3 + (left > right ? 1 : 0)] = 5f;
        }
        return Tensor.FromArray(logits, n, 3);
    }

    [Fact]
    public void TheScreenKeepsOnlyRowsEveryPositiveAndNegativeGetRight()
    {
        var images = Tensor.Zeros(4, 1, 4, 4);
        int[] yPos = [0, 1, 2, 0], yNeg = [1, 0, 0, 0];   // row 3: y_pos = y_neg is never a fingerprint
        var positives = new[] { Labelling(0, 1, 2, 0), Labelling(0, 1, 1, 0) };   // row 2: a positive disagrees
        var negatives = new[] { Labelling(1, 0, 0, 0) };
        Assert.Equal([0, 1], NaturalFingerOptimizer.Screen(images, yPos, yNeg, positives, negatives, NaturalTransform.ScreeningSet));
    }

    [Fact]
    public void TheScreenDropsImagesWhoseLabelsATransformChanges()
    {
        // a bright left column: a flip moves it right and changes the positive's answer
        var images = Tensor.Zeros(1, 1, 4, 4);
        for (int y = 0; y < 4; y++) images.Span[y * 4] = 1f;
        var positives = new Func<Tensor, Tensor>[] { LeftHeavy };
        var negatives = new[] { Labelling(2) };
        Assert.Equal([0], NaturalFingerOptimizer.Screen(images, [1], [2], positives, negatives, [new NaturalTransform(NaturalTransformKind.Identity)]));
        Assert.Empty(NaturalFingerOptimizer.Screen(images, [1], [2], positives, negatives, NaturalTransform.ScreeningSet));

        // the per-transform counts an empty screen reports: the identity and a faint noise keep it, the flip does not
        var each = NaturalFingerOptimizer.ScreenWithCounts(images, [1], [2], positives, negatives, NaturalTransform.ScreeningSet).PerTransform;
        Assert.Equal(NaturalTransform.ScreeningSet.Count, each.Length);
        var byKind = NaturalTransform.ScreeningSet.Select((t, k) => (t.Kind, Count: each[k])).ToList();
        Assert.Equal(1, byKind.Single(e => e.Kind == NaturalTransformKind.Identity).Count);
        Assert.Equal(0, byKind.Single(e => e.Kind == NaturalTransformKind.Flip).Count);
        Assert.Equal(1, byKind.Single(e => e.Kind == NaturalTransformKind.Noise).Count);
    }

    [Fact]
    public void OnlyTransformsTheSourceRespectsOnTheOwnersImagesAreAdmitted()
    {
        // four images bright on the left, four on the right: LeftHeavy's answer flips with them, not with faint noise
        var images = Tensor.Zeros(8, 1, 4, 4);
        for (int i = 0; i < 8; i++)
            for (int y = 0; y < 4; y++) images.Span[i * 16 + y * 4 + (i < 4 ? 0 : 3)] = 1f;
        var (admitted, measured) = ScreeningTransforms.Select(LeftHeavy, images, 0.9);
        Assert.Equal(NaturalTransform.ScreeningSet.Count, measured.Count);
        Assert.Equal(0, measured.Single(m => m.Transform.Kind == NaturalTransformKind.Flip).Invariance);
        Assert.Equal(1, measured.Single(m => m.Transform.Kind == NaturalTransformKind.Noise).Invariance);
        Assert.DoesNotContain(admitted, t => t.Kind == NaturalTransformKind.Flip);
        Assert.Contains(admitted, t => t.Kind == NaturalTransformKind.Identity);
        Assert.Contains(admitted, t => t.Kind == NaturalTransformKind.Noise);
        Assert.Equal(measured.Where(m => m.Invariance >= 0.9).Select(m => m.Transform), admitted);

        // threshold 0: the paper's screen, every candidate
        Assert.Equal(NaturalTransform.ScreeningSet, ScreeningTransforms.Select(LeftHeavy, images, 0).Admitted);
        Assert.Throws<ArgumentOutOfRangeException>(() => ScreeningTransforms.Select(LeftHeavy, images, 1.5));
    }

    [Fact]
    public void CarliniWagnerIsTheClampedMarginOfTheBestOtherClass()
    {
        var logits = Tensor.FromArray([1f, 3f, 2f, 0f, 0f, 100f], 2, 3);
        // row 0, target 0: max(3 − 1, −κ) = 2; row 1, target 2: max(0 − 100, −50) = −50
        Assert.Equal((2f - 50f) / 2, NaturalFingerOptimizer.CarliniWagner(logits, [0, 2], 50f).Item(), 4);
    }

    [Fact]
    public void TransformsRemapPixelsAndPassGradientsBack()
    {
        var x = Tensor.FromArray(Enumerable.Range(1, 9).Select(v => (float)v).ToArray(), 1, 1, 3, 3);
        Assert.Equal([3f, 2f, 1f, 6f, 5f, 4f, 9f, 8f, 7f], new NaturalTransform(NaturalTransformKind.Flip).Apply(x).Span.ToArray());
        Assert.Equal([0f, 0f, 0f, 0f, 1f, 2f, 0f, 4f, 5f], new NaturalTransform(NaturalTransformKind.Translate, Dx: 1, Dy: 1).Apply(x).Span.ToArray());
        // shear: the centre row stays, the others shift by round(s · distance), here one pixel each way
        Assert.Equal([0f, 1f, 2f, 4f, 5f, 6f, 8f, 9f, 0f], new NaturalTransform(NaturalTransformKind.Shear, Shear: -1).Apply(x).Span.ToArray());
        var noisy = new NaturalTransform(NaturalTransformKind.Noise, NoiseSeed: 3).Apply(Tensor.Full(0.5f, 1, 1, 3, 3));
        Assert.All(noisy.Span.ToArray(), v => Assert.InRange(v, 0.3f, 0.7f));
        Assert.Contains(noisy.Span.ToArray(), v => v != 0.5f);

        var input = Tensor.Zeros(1, 1, 3, 3);
        input.RequiresGrad = true;
        new NaturalTransform(NaturalTransformKind.Translate, Dx: 1, Dy: 0).Apply(input).Sum().Backward();
        // each source pixel that lands inside the image gets gradient 1; the last column falls off
        Assert.Equal([1f, 1f, 0f, 1f, 1f, 0f, 1f, 1f, 0f], input.Grad!.Span.ToArray());
    }

    [Fact]
    public void NegativeLabelsDifferFromThePositiveLabel()
    {
        var images = Tensor.Full(0.5f, 6, 1, 4, 4);
        int[] yPos = [0, 1, 2, 0, 1, 2];
        var random = NaturalFingerOptimizer.NegativeLabels([Labelling(0, 0, 0, 0, 0, 0)], images, yPos, 3, new NaturalFingerOptions { AdversarialLabel = false }, new Generator(1));
        Assert.All(random.Zip(yPos), p => Assert.NotEqual(p.Second, p.First));
        // with the trick: the negatives' majority (2 of 3 say 1), or their strongest other class when the majority is y_pos
        var negatives = new[] { Labelling(1, 1, 1, 1, 1, 1), Labelling(1, 1, 1, 1, 1, 1), Labelling(2, 2, 2, 2, 2, 2) };
        var adversarial = NaturalFingerOptimizer.NegativeLabels(negatives, images, yPos, 3, new NaturalFingerOptions(), new Generator(1));
        Assert.Equal([1, 2, 1, 1, 2, 1], adversarial);
    }

    [Fact]
    public void TheOptimiserMovesLatentsWhereThePositiveAndTheNegativeDisagree()
    {
        var data = Lineage.Tests.Generative.ToyImages.Bars(400, seed: 1);
        var gan = GanTrainer.Train(data, new GanTrainingOptions { Iterations = 200, BatchSize = 32, Width = 8, LatentSize = 8, Seed = 3, GeneratorLr = 2e-3, DiscriminatorLr = 2e-3 }, null).File.Gan;
        // a linear classifier over the pixels, and a relative of it that swaps classes 0 and 2: the disagreement area is
        // wherever the first says 2, which the starting latents mostly miss
        var w = Tensor.Uniform(new Generator(10), -1f, 1f, 3, 64).ClonePersistent();
        var swapped = w.IndexSelect(0, [2, 1, 0]).ClonePersistent();
        Func<Tensor, Tensor> positive = x => Functional.Linear(x.Reshape(x.Shape[0], 64), w, null);
        Func<Tensor, Tensor> negative = x => Functional.Linear(x.Reshape(x.Shape[0], 64), swapped, null);
        int n = 30;
        var classes = Enumerable.Range(0, n).Select(i => i % 2).ToArray();
        var z = Tensor.Randn(new Generator(4), n, 8).ClonePersistent();
        int[] yPos = Enumerable.Repeat(2, n).ToArray(), yNeg = Enumerable.Repeat(0, n).ToArray();
        var options = new NaturalFingerOptions { Steps = 150, Kappa = 1f, InputTransform = false, DiscriminatorLoss = false, LearningRate = 0.02 };
        int Satisfied(Tensor latents)
        {
            using var _ = GradMode.NoGrad();
            gan.Eval();
            var images = gan.G.Images(latents, classes);
            return NaturalFingerOptimizer.Screen(images, yPos, yNeg, [positive], [negative], [new NaturalTransform(NaturalTransformKind.Identity)]).Length;
        }
        int before = Satisfied(z);
        var optimised = NaturalFingerOptimizer.Optimize(gan, z, classes, yPos, yNeg, [positive], [negative], options, new Generator(5));
        int after = Satisfied(optimised);
        Assert.True(after > before && after >= 2 * n / 3, $"images labelled 2 by the positive and 0 by the negative: {before} of {n} before, {after} after optimising z");
    }

    [Fact]
    public void EachLatentTakesTheSameStepsWhateverTheNumberOptimisedBesideIt()
    {
        // a mean over the batch would shrink every latent's step with the number of candidates; each latent is its own search
        var gan = TinyGan(8, "bars", classes: 2).Gan;
        var w = Tensor.Uniform(new Generator(10), -1f, 1f, 3, 64).ClonePersistent();
        var swapped = w.IndexSelect(0, [2, 1, 0]).ClonePersistent();
        Func<Tensor, Tensor> positive = x => Functional.Linear(x.Reshape(x.Shape[0], 64), w, null);
        Func<Tensor, Tensor> negative = x => Functional.Linear(x.Reshape(x.Shape[0], 64), swapped, null);
        var options = new NaturalFingerOptions { Steps = 20, InputTransform = false, DiscriminatorLoss = false };
        var z = Tensor.Randn(new Generator(4), 6, 8).ClonePersistent();
        var alone = NaturalFingerOptimizer.Optimize(gan, z.Slice(0, 0, 1).ClonePersistent(), [0], [2], [0], [positive], [negative], options, new Generator(5));
        var together = NaturalFingerOptimizer.Optimize(gan, z, [0, 1, 0, 1, 0, 1], [2, 2, 2, 2, 2, 2], [0, 0, 0, 0, 0, 0], [positive], [negative], options, new Generator(5));
        double moved = 0;
        for (int k = 0; k < 8; k++)
        {
            Assert.Equal(alone.Span[k], together.Span[k], 1e-4);
            moved += Math.Abs(alone.Span[k] - z.Span[k]);
        }
        Assert.True(moved > 1e-2, $"the latent moved by {moved} in 20 steps");
    }

    static GanFile TinyGan(int imageSize, string dataset, int classes = 10) => new()
    {
        Gan = new ConditionalGan(new GanSpec { LatentSize = 8, Classes = classes, Channels = 1, ImageSize = imageSize, Width = 8 }, new Generator(5)),
        TrainedOn = dataset + "/train", Dataset = dataset, ClassNames = Enumerable.Range(0, classes).Select(i => $"c{i}").ToArray(), Seed = 5, Iterations = 0,
    };

    /// <summary>Runs where the engine takes its AVX2 or AVX-512 kernels. The tiny kit's models train for one epoch on
    /// 400 images, near chance, so which models they are depends on the kernels' rounding, and with them how many GAN
    /// images all positives agree on: 8 and 4 of 200 per round with AVX-512, enough with AVX2 (both checked), none
    /// with neither (checked with DOTNET_EnableAVX2=0), where the test would only show that chance-level models disagree.</summary>
    sealed class Avx2FactAttribute : FactAttribute
    {
        public Avx2FactAttribute()
        {
            if (!(System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported))
                Skip = "the tiny kit's chance-level models are other models without the AVX2 kernels, and agree on no GAN image";
        }
    }

    [Avx2Fact]
    public void AFingerprintMadeEndToEndHoldsWhatItsScreenPassedAndRoundTripsThroughItsFile()
    {
        using var zooDir = new TinyZoo.TempDir();
        using var kitDir = new TinyZoo.TempDir();
        var (context, kit, source) = TinyKit.Context(zooDir.Path, kitDir.Path, seed: 3);
        // the tiny kit's models, trained one epoch, agree on few GAN images (with AVX-512: 15 and 20 of 2000 latents per
        // round, of which 3 and 3 passed the screen), hence many candidates and a few hundred GAN steps. With 200 per
        // round, as before, a change of rounding in training (a faster convolution kernel) left 0 and 1 agreements and
        // no image: the count must leave room for the kit's models to move.
        string ganPath = Path.Combine(kitDir.Path, "shapes.gan");
        GanTrainer.Train(context.OwnerData, new GanTrainingOptions { Iterations = 600, BatchSize = 32, Width = 8, LatentSize = 16, Seed = 3, GeneratorLr = 2e-3, DiscriminatorLr = 2e-3 }, null).File.Save(ganPath);
        var fp = FingerprintCreation.Create("naturalfinger", context,
            new Dictionary<string, string> { ["gan"] = ganPath, ["samples"] = "10", ["candidates"] = "2000", ["steps"] = "100", ["rounds"] = "2" }, new RuleOptions { Kit = kit });
        Assert.InRange(fp.QueryCount, 1, 10);
        Assert.Equal(GanFile.Load(ganPath).Hash, fp.Parameter("gan_sha256"));

        string path = Path.Combine(kitDir.Path, "natural.fingerprint");
        FingerprintFile.Save(fp, path);
        var loaded = FingerprintFile.Load(path);
        Assert.Equal(fp.Queries.ToArray(), loaded.Queries.ToArray());
        Assert.Equal(fp.ExpectedLabels, loaded.ExpectedLabels);
        Assert.Equal(fp.Artifacts.Keys.Order(), loaded.Artifacts.Keys.Order());
        Assert.Equal(fp.Artifacts["latents"].ToArray(), loaded.Artifacts["latents"].ToArray());
        // the screen kept only images every positive, the source first, labels y_pos under every screening transform
        var verdict = FingerprintVerifier.Verify(loaded, TrainedModelsFixture.AsSuspect(source, "source"));
        Assert.Equal(1.0, verdict.Score);
        Assert.True(verdict.Stolen);
        // and every held-out reference, which the optimiser never saw, is a null score of the rule
        Assert.Equal(fp.Parameter("kit_held_out_references").Split(' ').Length, loaded.Rule.NullScores.Count);
    }

    [Fact]
    public void BadInputIsRefusedSayingWhat()
    {
        using var zooDir = new TinyZoo.TempDir();
        using var kitDir = new TinyZoo.TempDir();
        var (context, kit, _) = TinyKit.Context(zooDir.Path, kitDir.Path, seed: 3);
        var rule = new RuleOptions { Kit = kit };
        var noGan = Assert.Throws<ArgumentException>(() => FingerprintCreation.Create("naturalfinger", context, new Dictionary<string, string>(), rule));
        Assert.Contains("gan=FILE", noGan.Message);

        string small = Path.Combine(kitDir.Path, "small.gan");
        TinyGan(8, "shapes").Save(small);
        var shape = Assert.Throws<ArgumentException>(() => FingerprintCreation.Create("naturalfinger", context, new Dictionary<string, string> { ["gan"] = small }, rule));
        Assert.Contains("[1, 8, 8]", shape.Message);

        string other = Path.Combine(kitDir.Path, "other.gan");
        TinyGan(28, "fashion-mnist").Save(other);
        var data = Assert.Throws<ArgumentException>(() => FingerprintCreation.Create("naturalfinger", context, new Dictionary<string, string> { ["gan"] = other }, rule));
        Assert.Contains("fashion-mnist", data.Message);

        // an untrained GAN draws flat grey, on which the positives disagree, so no latent survives: an error with the
        // counts at each stage, not an empty fingerprint
        string gan = Path.Combine(kitDir.Path, "g.gan");
        TinyGan(28, "shapes").Save(gan);
        var empty = Assert.Throws<ArgumentException>(() => FingerprintCreation.Create("naturalfinger", context,
            new Dictionary<string, string> { ["gan"] = gan, ["candidates"] = "3", ["steps"] = "1", ["rounds"] = "1", ["kappa"] = "0" }, rule));
        Assert.Contains("kept no image", empty.Message);
        Assert.Contains("round 1: 3 latents", empty.Message);
        Assert.Contains("agreed on by all", empty.Message);

        var noKit = Assert.Throws<ArgumentException>(() => FingerprintCreation.Create("naturalfinger", context with { Kit = null }, new Dictionary<string, string> { ["gan"] = gan }, new RuleOptions()));
        Assert.Contains("kit", noKit.Message);
    }
}
