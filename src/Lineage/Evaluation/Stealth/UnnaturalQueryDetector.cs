using Lineage.Adversarial;
using Lineage.Data;
using Lineage.Engine;
using Lineage.Models;
using Lineage.Models.Architectures;
using Lineage.Models.Training;

namespace Lineage.Evaluation.Stealth;

/// <summary>How the thief's detector of unnatural queries is made (NaturalFinger §4.5).</summary>
public sealed record UnnaturalQueryDetectorOptions
{
    /// <summary>Clean images of the thief's own data; as many noisy and as many FGSM images are made from them
    /// (the paper: 5k of each).</summary>
    public int CleanImages { get; init; } = 5000;
    /// <summary>Gaussian noise of a standard deviation drawn per image from [NoiseMin, NoiseMax] (the paper gives no
    /// level; a range teaches the detector faint and strong noise alike).</summary>
    public float NoiseMin { get; init; } = 0.02f;
    public float NoiseMax { get; init; } = 0.2f;
    /// <summary>L∞ budget of the FGSM images, made against the thief's model (the paper's attacks use 8/255).</summary>
    public float FgsmEpsilon { get; init; } = 8f / 255;
    /// <summary>The paper: Adam, learning rate 0.001, 20 epochs, a nine-layer CNN (here a catalog architecture).</summary>
    public int Epochs { get; init; } = 20;
    public double LearningRate { get; init; } = 0.001;
    public int BatchSize { get; init; } = 128;
    public string Architecture { get; init; } = "cnn-c";
    public float Width { get; init; } = 1f;
    /// <summary>Share of each kind kept out of training, to state the detector's own error rates.</summary>
    public double HeldOut { get; init; } = 0.1;
    public int Seed { get; init; }

    public void Validate()
    {
        if (CleanImages < 10) throw new ArgumentException($"the detector needs at least 10 clean images, not {CleanImages}");
        if (!(NoiseMin >= 0) || !(NoiseMax >= NoiseMin)) throw new ArgumentException($"noise range [{NoiseMin}, {NoiseMax}] is not a range of standard deviations");
        if (!(FgsmEpsilon > 0 && FgsmEpsilon <= 1)) throw new ArgumentException($"FGSM epsilon must be in (0, 1], not {FgsmEpsilon}");
        if (Epochs < 1) throw new ArgumentException($"epochs must be at least 1, not {Epochs}");
        if (!(LearningRate > 0)) throw new ArgumentException($"learning rate must be positive, not {LearningRate}");
        if (BatchSize < 1) throw new ArgumentException($"batch size must be at least 1, not {BatchSize}");
        if (!(HeldOut > 0 && HeldOut < 0.5)) throw new ArgumentException($"held-out share must be in (0, 0.5), not {HeldOut}");
    }
}

/// <summary>The detector's own error rates on images of each kind it never trained on.</summary>
public sealed record DetectorHeldOutRates(int Count, double CleanFlagged, double NoisyFlagged, double FgsmFlagged, double Accuracy);

/// <summary>
/// The stealthiness check of NaturalFinger (§4.5, Table 2): a thief who does not know the owner's queries trains a
/// CNN to tell its own clean data from noisy and adversarial (FGSM) versions of it, then refuses to answer queries
/// the detector flags. A fingerprint's detection rate is the share of its queries flagged: natural-looking queries
/// pass, noise- or perturbation-made ones are caught.
/// </summary>
public sealed class UnnaturalQueryDetector
{
    public const int Clean = 0, Unnatural = 1;

    readonly Classifier detector;
    readonly Preprocessing preprocessing;

    public DetectorHeldOutRates HeldOut { get; }

    UnnaturalQueryDetector(Classifier detector, Preprocessing preprocessing, DetectorHeldOutRates heldOut)
    {
        this.detector = detector;
        this.preprocessing = preprocessing;
        HeldOut = heldOut;
    }

    /// <summary>Trains the detector on the thief's data and its model (the target of the FGSM images).</summary>
    public static UnnaturalQueryDetector Train(Dataset thiefData, ModelFile thiefModel, UnnaturalQueryDetectorOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        if (!thiefData.ImageShape.SequenceEqual(thiefModel.Preprocessing.Shape))
            throw new ArgumentException($"the thief's data has {Tensor.FormatShape(thiefData.ImageShape)} images but its model takes {Tensor.FormatShape(thiefModel.Preprocessing.Shape)}");
        if (thiefData.Height != thiefData.Width) throw new ArgumentException($"the detector takes square images; the data is {thiefData.Height}×{thiefData.Width}");
        var gen = new Generator(options.Seed);
        int n = Math.Min(options.CleanImages, thiefData.Count);
        if (n < 10) throw new ArgumentException($"the thief's data ({thiefData.Origin}) has {thiefData.Count} images; the detector needs at least 10");
        var order = gen.Permutation(thiefData.Count).Take(n).ToArray();
        var clean = thiefData.Gather(order).ClonePersistent();
        var noisy = Noisy(clean, options, gen.Fork());
        var adversarial = Fgsm(thiefModel, clean, order.Select(i => thiefData.Labels[i]).ToArray(), options.FgsmEpsilon, gen.Fork());

        int test = Math.Max(1, (int)Math.Round(n * options.HeldOut));
        int train = n - test;
        int size = thiefData.ImageSize;
        // the clean images count twice, so the two labels weigh alike and "flagged" (p > 1/2) means more likely unnatural
        var trainImages = new float[4 * train * size];
        var trainLabels = new int[4 * train];
        var kinds = new[] { clean, clean, noisy, adversarial };
        for (int k = 0; k < kinds.Length; k++)
        {
            kinds[k].Span[..(train * size)].CopyTo(trainImages.AsSpan(k * train * size));
            Array.Fill(trainLabels, k < 2 ? Clean : Unnatural, k * train, train);
        }
        var trainSet = new Dataset(trainImages, trainLabels, ["clean", "unnatural"], thiefData.Preprocessing,
            new DataOrigin($"{thiefData.Origin.Description}+noise+fgsm", "detector", []));
        var spec = new ArchitectureSpec { Name = options.Architecture, InChannels = thiefData.Channels, ImageSize = thiefData.Height, Classes = 2, Width = options.Width };
        var model = ArchitectureCatalog.Create(spec, new Generator(options.Seed + 1));
        Trainer.Train(model, thiefData.Preprocessing, trainSet, new TrainingOptions
        {
            Epochs = options.Epochs, BatchSize = options.BatchSize, Optimizer = OptimizerKind.Adam, LearningRate = options.LearningRate,
            WeightDecay = 0, Schedule = ScheduleKind.Constant, Seed = options.Seed,
        }, progress: progress, cancel: cancel);

        double Flagged(Tensor images) => FlaggedBy(model, thiefData.Preprocessing, images.Slice(0, train, n)).Average(f => f ? 1.0 : 0.0);
        double cleanFlagged = Flagged(clean), noisyFlagged = Flagged(noisy), fgsmFlagged = Flagged(adversarial);
        var rates = new DetectorHeldOutRates(test, cleanFlagged, noisyFlagged, fgsmFlagged,
            ((1 - cleanFlagged) + noisyFlagged + fgsmFlagged) / 3);
        return new UnnaturalQueryDetector(model, thiefData.Preprocessing, rates);
    }

    /// <summary>Whether the detector flags each image (probability of "unnatural" above one half).</summary>
    public bool[] Flagged(Tensor images) => FlaggedBy(detector, preprocessing, images);

    static bool[] FlaggedBy(Classifier detector, Preprocessing preprocessing, Tensor images)
    {
        if (!images.Shape.Skip(1).SequenceEqual(preprocessing.Shape))
            throw new ArgumentException($"the detector takes {Tensor.FormatShape(preprocessing.Shape)} images, not {Tensor.FormatShape(images.Shape.Skip(1).ToArray())}");
        return [.. Evaluate.Predict(detector, preprocessing, images).Select(label => label == Unnatural)];
    }

    /// <summary>The share of <paramref name="queries"/> the detector flags.</summary>
    public double DetectionRate(Tensor queries) => queries.Shape[0] == 0 ? 0 : Flagged(queries).Average(f => f ? 1.0 : 0.0);

    static Tensor Noisy(Tensor clean, UnnaturalQueryDetectorOptions o, Generator gen)
    {
        var noisy = clean.ClonePersistent();
        var d = noisy.Span;
        int n = clean.Shape[0], per = clean.Size / n;
        for (int s = 0; s < n; s++)
        {
            float std = o.NoiseMin + (o.NoiseMax - o.NoiseMin) * gen.NextFloat();
            for (int i = s * per; i < (s + 1) * per; i++) d[i] = Math.Clamp(d[i] + std * (float)gen.NextNormal(), 0f, 1f);
        }
        return noisy;
    }

    static Tensor Fgsm(ModelFile model, Tensor clean, int[] labels, float epsilon, Generator gen)
    {
        model.Model.Eval();
        var parts = new List<Tensor>();
        for (int i = 0; i < clean.Shape[0]; i += 256)
        {
            int end = Math.Min(clean.Shape[0], i + 256);
            parts.Add(GradientAttack.Run(model.Logits, clean.Slice(0, i, end), labels[i..end], GradientAttackOptions.Fgsm(epsilon), gen));
        }
        return Tensor.Cat(parts, 0).ClonePersistent();
    }
}
