using Lineage.Data;
using Lineage.Engine;
using Lineage.Images;
using Lineage.Models;
using Lineage.Models.Training;

namespace Lineage.Generative;

/// <summary>What <c>lineage gan train</c> produced.</summary>
public sealed record GanJobResult(GanFile File, GanTrainingReport Report, GanQualityReport? Quality, string? GridPath);

/// <summary>
/// <c>lineage gan train</c> as one job: train on the owner's part of the data (resuming from the checkpoint beside
/// the output), measure quality against a classifier when one is given, write the GAN file, then a PNG grid of
/// samples (one row per class). The checkpoint is removed only once the GAN file is written.
/// </summary>
public static class GanJob
{
    public static GanJobResult Train(DatasetPair data, DataPart part, int splitSeed, GanTrainingOptions options, string outPath,
        string? classifierPath, int qualityImages, string? gridPath, IProgress<GanProgress>? progress = null, CancellationToken cancel = default)
    {
        var train = TrainingJob.SelectPart(data.Train, part, splitSeed);
        ModelFile? classifier = classifierPath == null ? null : ModelFile.Load(classifierPath);
        string checkpoint = outPath + ".checkpoint";
        var (file, report) = GanTrainer.Train(train, options, checkpoint, progress, cancel);
        GanQualityReport? quality = null;
        if (classifier != null)
        {
            quality = GanQuality.Measure(file.Gan, classifier, data.Test, qualityImages, options.Seed, Path.GetFileName(classifierPath!));
            file.Quality = quality.ToMetadata();
        }
        file.Save(outPath);
        File.Delete(checkpoint);
        if (gridPath != null) WriteGrid(file, gridPath, 10, options.Seed);
        return new GanJobResult(file, report, quality, gridPath);
    }

    /// <summary>A PNG with one row per class, <paramref name="perClass"/> samples each, from seeded latents.</summary>
    public static void WriteGrid(GanFile gan, string path, int perClass, int seed, int scale = 2) =>
        PngGrid.Write(path, SamplesPerClass(gan, perClass, seed), perClass, scale);

    /// <summary><paramref name="perClass"/> samples of every class in class order, [classes·perClass, C, H, W] in [0, 1].</summary>
    public static Tensor SamplesPerClass(GanFile gan, int perClass, int seed)
    {
        var labels = Enumerable.Range(0, gan.Spec.Classes).SelectMany(c => Enumerable.Repeat(c, perClass)).ToArray();
        return gan.Gan.Sample(labels, new Generator(seed));
    }
}
