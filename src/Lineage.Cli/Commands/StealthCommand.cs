using System.CommandLine;
using System.Text.Json;
using Lineage.Engine;
using Lineage.Evaluation.Stealth;
using Lineage.Fingerprints;
using Lineage.Models;
using Lineage.Models.Training;

namespace Lineage.Cli.Commands;

/// <summary>`lineage fingerprint stealth`: how many of each fingerprint's queries a thief's detector of unnatural
/// images would flag and refuse (NaturalFinger §4.5), with a PNG panel of every fingerprint's queries.</summary>
internal static class StealthCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var files = new Argument<string[]>("fingerprints") { Description = "Fingerprint files to check", Arity = ArgumentArity.ZeroOrMore };
        var extra = new Option<string[]>("--queries") { Description = "Another query set to check, as NAME=FILE.npy (float32 NCHW in [0,1], e.g. from `gan sample --npy`); repeatable", AllowMultipleArgumentsPerToken = true };
        var model = new Option<string>("--model") { Description = "The thief's model (a Lineage model file): its FGSM images teach the detector what perturbations look like", Required = true };
        var part = new Option<DataPart>("--part") { Description = "The thief's data: the attacker half (as the zoos and kits split it) or all", DefaultValueFactory = _ => DataPart.Attacker };
        var splitSeed = new Option<int>("--split-seed") { DefaultValueFactory = _ => 1 };
        var defaults = new UnnaturalQueryDetectorOptions();
        var images = new Option<int>("--images") { Description = "Clean images of the thief's data; as many noisy and FGSM images are made (the paper: 5,000)", DefaultValueFactory = _ => defaults.CleanImages };
        var epochs = new Option<int>("--epochs") { Description = "Detector training epochs (Adam, learning rate 0.001; the paper: 20)", DefaultValueFactory = _ => defaults.Epochs };
        var epsilon = new Option<float>("--fgsm-epsilon") { Description = "L∞ budget of the detector's FGSM images", DefaultValueFactory = _ => defaults.FgsmEpsilon };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var png = new Option<string?>("--png") { Description = "Write a PNG panel: one row of queries per fingerprint, in the order given" };
        var columns = new Option<int>("--columns") { Description = "Queries per fingerprint in the panel", DefaultValueFactory = _ => 10 };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var cmd = new Command("stealth", "Train a thief's detector of noisy and adversarial images on the thief's data, then report the share of each fingerprint's queries it flags");
        cmd.Arguments.Add(files);
        data.AddTo(cmd);
        foreach (var o in new Option[] { extra, model, part, splitSeed, images, epochs, epsilon, seed, png, columns, json }) cmd.Options.Add(o);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            if (r.GetValue(columns) < 1) throw new ArgumentException($"--columns must be at least 1, not {r.GetValue(columns)}");
            var sets = (r.GetValue(files) ?? []).Select(QuerySet.FromFingerprint).ToList();
            sets.AddRange((r.GetValue(extra) ?? []).Select(QuerySet.FromNpy));
            if (sets.Count == 0) throw new ArgumentException("give at least one fingerprint file or --queries NAME=FILE.npy to check");
            var pair = data.Load(r);
            var thiefData = TrainingJob.SelectPart(pair.Train, r.GetValue(part), r.GetValue(splitSeed));
            foreach (var set in sets)
                if (!set.Queries.Shape.Skip(1).SequenceEqual(thiefData.ImageShape))
                    throw new ArgumentException($"{set.File}: its queries are {Tensor.FormatShape(set.Queries.Shape.Skip(1).ToArray())} images, the data's {Tensor.FormatShape(thiefData.ImageShape)}");
            var thiefModel = ModelFile.Load(r.GetValue(model)!);
            var options = new UnnaturalQueryDetectorOptions
            {
                CleanImages = r.GetValue(images), Epochs = r.GetValue(epochs), FgsmEpsilon = r.GetValue(epsilon), Seed = r.GetValue(seed),
            };
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var progress = new SyncProgress<TrainingProgress>(p =>
            {
                if (p.Batch == p.Batches) Console.Error.WriteLine($"stealth: detector epoch {p.Epoch}/{p.Epochs}  loss {p.Loss:0.0000}  train accuracy {100 * p.Accuracy:0.0} %");
            });
            var detector = UnnaturalQueryDetector.Train(thiefData, thiefModel, options, progress);
            var rows = sets.Select(set => new
            {
                file = set.File,
                method = set.Name,
                queries = set.Queries.Shape[0],
                detection_rate = detector.DetectionRate(set.Queries),
            }).ToList();
            if (r.GetValue(png) is string panel) Images.PngGrid.Write(panel, Images.PngGrid.Rows([.. sets.Select(set => set.Queries)], r.GetValue(columns)), r.GetValue(columns));
            var held = detector.HeldOut;
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    thief_data = thiefData.Origin.Description,
                    thief_model = r.GetValue(model),
                    detector = new
                    {
                        architecture = options.Architecture, epochs = options.Epochs, clean_images = Math.Min(options.CleanImages, thiefData.Count),
                        noise_std = new[] { options.NoiseMin, options.NoiseMax }, fgsm_epsilon = options.FgsmEpsilon, seed = options.Seed,
                        held_out = new { per_kind = held.Count, clean_flagged = held.CleanFlagged, noisy_flagged = held.NoisyFlagged, fgsm_flagged = held.FgsmFlagged, accuracy = held.Accuracy },
                    },
                    fingerprints = rows,
                    panel = r.GetValue(png),
                    seconds = clock.Elapsed.TotalSeconds,
                }));
                return 0;
            }
            Console.WriteLine($"detector   {options.Architecture}, {options.Epochs} epochs on {thiefData.Origin.Description}: clean, Gaussian noise (σ {options.NoiseMin}–{options.NoiseMax}), FGSM (ε {options.FgsmEpsilon:0.####}) against {Path.GetFileName(r.GetValue(model))}");
            Console.WriteLine($"held out   {held.Count} of each kind: {100 * held.CleanFlagged:0.0} % of clean flagged, {100 * held.NoisyFlagged:0.0} % of noisy, {100 * held.FgsmFlagged:0.0} % of FGSM ({100 * held.Accuracy:0.0} % balanced accuracy)");
            foreach (var row in rows)
                Console.WriteLine($"{row.method,-14} {100 * row.detection_rate,6:0.0} % of {row.queries} queries flagged  ({row.file})");
            if (r.GetValue(png) is string written) Console.WriteLine($"panel written to {written}");
            Console.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s");
            return 0;
        }));
        return cmd;
    }

    /// <summary>Queries to check: a fingerprint's (named by its method) or a .npy array's (named on the command line).</summary>
    sealed record QuerySet(string File, string Name, Tensor Queries)
    {
        public static QuerySet FromFingerprint(string path)
        {
            var fp = FingerprintFile.Load(path);
            return new(path, fp.Method, fp.Queries);
        }

        public static QuerySet FromNpy(string spec)
        {
            int eq = spec.IndexOf('=');
            if (eq <= 0 || eq == spec.Length - 1) throw new ArgumentException($"--queries takes NAME=FILE.npy, not '{spec}'");
            string path = spec[(eq + 1)..];
            return new QuerySet(path, spec[..eq], Data.Formats.NpyImages.Read(path));
        }
    }
}
