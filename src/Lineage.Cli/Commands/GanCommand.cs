using System.CommandLine;
using System.Text.Json;
using Lineage.Data;
using Lineage.Data.Formats;
using Lineage.Generative;
using Lineage.Models;
using Lineage.Models.Training;

namespace Lineage.Cli.Commands;

/// <summary>`lineage gan train|sample|evaluate`: the class-conditional GAN NaturalFinger draws its fingerprints from.</summary>
internal static class GanCommand
{
    public static Command Create()
    {
        var cmd = new Command("gan", "Train, sample and check the class-conditional GAN that NaturalFinger draws natural-looking fingerprints from");
        cmd.Subcommands.Add(Train());
        cmd.Subcommands.Add(Sample());
        cmd.Subcommands.Add(Evaluate());
        return cmd;
    }

    static Command Train()
    {
        var data = new DataOptions();
        var defaults = new GanTrainingOptions();
        var part = new Option<DataPart>("--part") { Description = "Training data: the owner's (defender) half, as fingerprints use, or all", DefaultValueFactory = _ => DataPart.Defender };
        var splitSeed = new Option<int>("--split-seed") { Description = "Seed of the defender/attacker split", DefaultValueFactory = _ => 1 };
        var iterations = new Option<int>("--iterations") { Description = "Generator steps (one discriminator step each); an interrupted run resumes from the checkpoint beside --out", DefaultValueFactory = _ => defaults.Iterations };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => defaults.BatchSize };
        var lrG = new Option<double>("--lr-g") { Description = "Generator learning rate (Adam)", DefaultValueFactory = _ => defaults.GeneratorLr };
        var lrD = new Option<double>("--lr-d") { Description = "Discriminator learning rate (Adam)", DefaultValueFactory = _ => defaults.DiscriminatorLr };
        var width = new Option<int>("--width") { Description = "Base channel width of both networks", DefaultValueFactory = _ => defaults.Width };
        var latent = new Option<int>("--latent") { Description = "Latent size (NaturalFinger's SAGAN: 128)", DefaultValueFactory = _ => defaults.LatentSize };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var classifier = new Option<string?>("--classifier") { Description = "A model trained on the same data: measures the Fréchet distance in its features and how often it gives samples their class" };
        var qualityImages = new Option<int>("--quality-images") { Description = "Images per side for the quality check", DefaultValueFactory = _ => 2000 };
        var grid = new Option<string?>("--grid") { Description = "PNG grid of samples to write (one row per class; default: OUT with .png)" };
        var output = new Option<string>("--out", "-o") { Description = "GAN file to write", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var cmd = new Command("train", "Train a class-conditional GAN (hinge loss, spectrally normalised projection discriminator) on the owner's data; rerun the same command to resume");
        data.AddTo(cmd);
        foreach (var o in new Option[] { part, splitSeed, iterations, batch, lrG, lrD, width, latent, seed, classifier, qualityImages, grid, output, json }) cmd.Options.Add(o);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            var options = new GanTrainingOptions
            {
                Iterations = r.GetValue(iterations), BatchSize = r.GetValue(batch), GeneratorLr = r.GetValue(lrG), DiscriminatorLr = r.GetValue(lrD),
                Width = r.GetValue(width), LatentSize = r.GetValue(latent), Seed = r.GetValue(seed),
            };
            options.Validate();
            string outPath = r.GetValue(output)!;
            string gridPath = r.GetValue(grid) ?? Path.ChangeExtension(outPath, ".png");
            var pair = data.Load(r);
            var progress = new SyncProgress<GanProgress>(p => Console.Error.WriteLine(
                $"gan: iteration {p.Iteration}/{p.Iterations}  D loss {p.DiscriminatorLoss:0.000}  G loss {p.GeneratorLoss:0.000}  D(real) {p.RealScore:0.00}  D(fake) {p.FakeScore:0.00}  {p.ImagesPerSecond:0} img/s"));
            var result = GanJob.Train(pair, r.GetValue(part), r.GetValue(splitSeed), options, outPath, r.GetValue(classifier), r.GetValue(qualityImages), gridPath, progress);
            var q = result.Quality;
            if (r.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    gan = outPath, hash = result.File.Hash, spec = result.File.Spec.ToString(), trained_on = result.File.TrainedOn, iterations = result.Report.Iterations,
                    resumed_from_iteration = result.Report.ResumedFromIteration, seconds = Math.Round(result.Report.Elapsed.TotalSeconds, 1), grid = gridPath,
                    quality = q == null ? null : new { frechet_distance = q.FrechetDistance, real_floor = q.RealFloor, conditional_accuracy = q.ConditionalAccuracy, classifier_real_accuracy = q.RealAccuracy, images = q.Images, classifier = q.Classifier },
                }));
            else
            {
                Console.WriteLine($"wrote {outPath}: {result.File.Spec}, trained on {result.File.TrainedOn}, {result.Report.Iterations} iterations in {result.Report.Elapsed.TotalMinutes:0.0} min" +
                    (result.Report.ResumedFromIteration > 0 ? $" (resumed after iteration {result.Report.ResumedFromIteration})" : ""));
                if (q != null) Console.WriteLine(Describe(q));
                Console.WriteLine($"wrote {gridPath}: one row of samples per class");
            }
            return 0;
        }));
        return cmd;
    }

    static Command Sample()
    {
        var gan = new Argument<string>("gan") { Description = "GAN file (lineage gan train)" };
        var perClass = new Option<int>("--per-class") { DefaultValueFactory = _ => 10 };
        var scale = new Option<int>("--scale") { Description = "Pixels per image pixel", DefaultValueFactory = _ => 2 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out", "-o") { Description = "PNG file to write", Required = true };
        var npy = new Option<string?>("--npy") { Description = "Also write the samples to a .npy file (float32, NCHW, [0,1], class by class)" };
        var cmd = new Command("sample", "Write a PNG grid of a GAN's samples, one row per class");
        cmd.Arguments.Add(gan);
        foreach (var o in new Option[] { perClass, scale, seed, output, npy }) cmd.Options.Add(o);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            if (r.GetValue(perClass) < 1) throw new ArgumentException($"--per-class must be at least 1, got {r.GetValue(perClass)}");
            if (r.GetValue(scale) < 1) throw new ArgumentException($"--scale must be at least 1, got {r.GetValue(scale)}");
            var file = GanFile.Load(r.GetValue(gan)!);
            var samples = GanJob.SamplesPerClass(file, r.GetValue(perClass), r.GetValue(seed));
            Lineage.Images.PngGrid.Write(r.GetValue(output)!, samples, r.GetValue(perClass), r.GetValue(scale));
            if (r.GetValue(npy) is string array) NpyImages.Write(array, samples);
            Console.WriteLine($"wrote {r.GetValue(output)}: {file.Spec.Classes} rows of {r.GetValue(perClass)} samples" + (r.GetValue(npy) is string a ? $", and {a}" : ""));
            return 0;
        }));
        return cmd;
    }

    static Command Evaluate()
    {
        var data = new DataOptions();
        var gan = new Argument<string>("gan") { Description = "GAN file (lineage gan train)" };
        var classifier = new Option<string>("--classifier") { Description = "A model trained on the same data (its features and labels judge the samples)", Required = true };
        var images = new Option<int>("--images") { DefaultValueFactory = _ => 2000 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json");
        var cmd = new Command("evaluate", "Fréchet distance in a classifier's features (an FID with our own network) and how often that classifier gives samples their class");
        cmd.Arguments.Add(gan);
        data.AddTo(cmd);
        foreach (var o in new Option[] { classifier, images, seed, json }) cmd.Options.Add(o);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            var file = GanFile.Load(r.GetValue(gan)!);
            var model = ModelFile.Load(r.GetValue(classifier)!);
            var pair = data.Load(r);
            var q = GanQuality.Measure(file.Gan, model, pair.Test, r.GetValue(images), r.GetValue(seed), Path.GetFileName(r.GetValue(classifier)!));
            if (r.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new { gan = r.GetValue(gan), frechet_distance = q.FrechetDistance, real_floor = q.RealFloor, conditional_accuracy = q.ConditionalAccuracy, classifier_real_accuracy = q.RealAccuracy, images = q.Images, feature_dim = q.FeatureDim, classifier = q.Classifier }));
            else Console.WriteLine(Describe(q));
            return 0;
        }));
        return cmd;
    }

    static string Describe(GanQualityReport q) =>
        $"quality ({q.Images} images per side, features of {q.Classifier}, {q.FeatureDim} dims): Fréchet distance {q.FrechetDistance:0.00} (two real samples: {q.RealFloor:0.00}); " +
        $"the classifier gives {q.ConditionalAccuracy:P1} of samples their conditioning class (real test images: {q.RealAccuracy:P1})";
}
