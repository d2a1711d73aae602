using System.Globalization;
using Lineage.Data;
using Lineage.Engine;
using Lineage.Models;
using Lineage.Statistics;

namespace Lineage.Generative;

/// <summary>How close a GAN's images are to the data, as a classifier trained on that data sees them.</summary>
public sealed record GanQualityReport
{
    /// <summary>Fréchet distance between real and generated images in the classifier's penultimate features.</summary>
    public required double FrechetDistance { get; init; }
    /// <summary>The same distance between two disjoint sets of real images: the floor sampling noise leaves.</summary>
    public required double RealFloor { get; init; }
    /// <summary>Share of generated images the classifier labels with the class they were conditioned on.</summary>
    public required double ConditionalAccuracy { get; init; }
    /// <summary>The classifier's accuracy on the real images used, for scale.</summary>
    public required double RealAccuracy { get; init; }
    public required int Images { get; init; }
    public required int FeatureDim { get; init; }
    public required string Classifier { get; init; }

    public IReadOnlyDictionary<string, string> ToMetadata() => new Dictionary<string, string>
    {
        ["frechet_distance"] = FrechetDistance.ToString("0.####", CultureInfo.InvariantCulture),
        ["frechet_real_floor"] = RealFloor.ToString("0.####", CultureInfo.InvariantCulture),
        ["conditional_accuracy"] = ConditionalAccuracy.ToString("0.####", CultureInfo.InvariantCulture),
        ["classifier_real_accuracy"] = RealAccuracy.ToString("0.####", CultureInfo.InvariantCulture),
        ["images"] = Images.ToString(CultureInfo.InvariantCulture),
        ["feature_dim"] = FeatureDim.ToString(CultureInfo.InvariantCulture),
        ["classifier"] = Classifier,
    };
}

/// <summary>
/// The GAN quality check: a Fréchet distance in the feature space of a classifier trained on the data (an FID
/// computed with our own network, not Inception's, so its values compare only with each other), the floor of the
/// same distance between two real samples, and the rate at which that classifier gives generated images their
/// conditioning class. Generated images are drawn class-balanced; real ones at random.
/// </summary>
public static class GanQuality
{
    public static GanQualityReport Measure(ConditionalGan gan, ModelFile classifier, Dataset real, int images, int seed, string classifierName)
    {
        if (images < 10) throw new ArgumentException($"a Fréchet distance needs at least 10 images per side, got {images}");
        var shape = classifier.Preprocessing.Shape;
        if (!gan.Spec.ImageShape.AsSpan().SequenceEqual(shape))
            throw new ArgumentException($"classifier {classifierName} reads {Tensor.FormatShape(shape)} images, the GAN makes {Tensor.FormatShape(gan.Spec.ImageShape)}");
        if (classifier.Spec.Classes != gan.Spec.Classes)
            throw new ArgumentException($"classifier {classifierName} has {classifier.Spec.Classes} classes, the GAN {gan.Spec.Classes}");
        var gen = new Generator(seed);
        var order = gen.Permutation(real.Count);
        int perSide = Math.Min(images, real.Count / 2);
        if (perSide < 10) throw new ArgumentException($"{real.Origin.Description} has {real.Count} images; the quality check needs at least 20");
        var realA = order[..perSide];
        var realB = order[perSide..(2 * perSide)];
        var labels = Enumerable.Range(0, perSide).Select(i => i % gan.Spec.Classes).ToArray();
        bool wasTraining = gan.Training;
        var generated = gan.Sample(labels, gen.Fork());
        if (wasTraining) gan.Train();

        var (fa, dim, predictedA) = ClassifierFeatures.Of(classifier, real.Gather(realA));
        var (fb, _, _) = ClassifierFeatures.Of(classifier, real.Gather(realB));
        var (fg, _, predictedG) = ClassifierFeatures.Of(classifier, generated);
        return new GanQualityReport
        {
            FrechetDistance = Statistics.FrechetDistance.Between(fa, fg, dim),
            RealFloor = Statistics.FrechetDistance.Between(fa, fb, dim),
            ConditionalAccuracy = predictedG.Zip(labels).Count(p => p.First == p.Second) / (double)perSide,
            RealAccuracy = predictedA.Zip(realA).Count(p => p.First == real.Labels[p.Second]) / (double)perSide,
            Images = perSide,
            FeatureDim = dim,
            Classifier = classifierName,
        };
    }
}
