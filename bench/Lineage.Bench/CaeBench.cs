using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Lineage.Adversarial;
using Lineage.Data;
using Lineage.Engine;
using Lineage.Fingerprints;
using Lineage.Fingerprints.Cae;
using Lineage.Models;
using Lineage.Models.Architectures;
using Lineage.Models.Training;
using Lineage.Suspects;
using Lineage.Zoo;

namespace Lineage.Bench;

/// <summary>
/// CAE on a built zoo's source: the cost of C-BIM given a kit (paper: 25,537 s on a GPU), the conferrability of
/// its examples on training and held-out kit models beside plain BIM of the same ε (CAE Table 1), and the
/// fingerprint accuracy of every model the zoo has built so far (Tables 2–5). The kit (3 surrogates distilled
/// from the source, 3 references trained on the owner's labels, all on the defender half; the third of each held
/// out) is trained once into the kit folder and reused; its training is not part of the creation time.
/// Usage: Lineage.Bench --cae ZOO_DIR KIT_DIR [--epsilon E] [--step-size S] [--steps N] [--dropout P] [--alpha A] [--beta B]
/// [--gamma G] [--quick]; --quick stops after the CAE measurements (no BIM baseline, no zoo models).
/// </summary>
internal static class CaeBench
{
    public static int Run(string[] args)
    {
        if (args.Length < 2) { Console.Error.WriteLine("usage: --cae ZOO_DIR KIT_DIR [--epsilon E] [--step-size S] [--steps N] [--dropout P] [--alpha A] [--beta B] [--gamma G] [--quick]"); return 2; }
        string zooDir = args[0], kitDir = args[1];
        var options = new CaeOptions();
        bool quick = false;
        for (int i = 2; i < args.Length; i++)
        {
            if (args[i] == "--quick") { quick = true; continue; }
            float Next() => float.Parse(args[++i], CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--epsilon" => options with { Epsilon = Next() },
                "--steps" => options with { Steps = (int)Next() },
                "--dropout" => options with { Dropout = Next() },
                "--beta" => options with { Beta = Next() },
                "--gamma" => options with { Gamma = Next() },
                "--alpha" => options with { Alpha = Next() },
                "--step-size" => options with { StepSize = Next() },
                _ => throw new ArgumentException($"unknown CAE bench argument {args[i]}"),
            };
        }
        var spec = ZooSpec.Load(Path.Combine(zooDir, "spec.json"));
        var data = ZooDatasets.Load(spec.Dataset, null);
        var owner = TrainingJob.SelectPart(data.Train, DataPart.Defender, spec.SplitSeed);
        var zoo = BuiltModels(Path.Combine(zooDir, "models"));
        var sourceFile = ModelFile.Load(zoo["source"]);
        var source = SourceModel.FromModelFile(sourceFile, "source");
        Console.WriteLine($"owner data: {owner}; source test accuracy {Accuracy(sourceFile, data.Test):P1}");

        var surrogates = Enumerable.Range(1, 3).Select(k => Kit(kitDir, $"surrogate-{k}", () => Distil(source, owner, 100 + k))).ToArray();
        var references = Enumerable.Range(1, 3).Select(k => Kit(kitDir, $"reference-{k}", () => Reference(owner, 200 + k))).ToArray();
        foreach (var (m, name) in surrogates.Select((m, k) => (m, $"surrogate-{k + 1}")).Concat(references.Select((m, k) => (m, $"reference-{k + 1}"))))
            Console.WriteLine($"kit {name}: test accuracy {Accuracy(m, data.Test):P1}");

        var clock = Stopwatch.StartNew();
        var result = CaeGenerator.Generate(source, surrogates.Take(2).Select(m => (Func<Tensor, Tensor>)m.Logits).ToArray(),
            references.Take(2).Select(m => (Func<Tensor, Tensor>)m.Logits).ToArray(), owner, options, new Progress(), default);
        double seconds = clock.Elapsed.TotalSeconds;
        var s = result.Stats;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CAE creation: {seconds:F1} s on {EngineSettings.Threads} threads (ε {options.Epsilon}, {options.Steps} steps, {s.Candidates} candidates): {s.Flipped} flipped, {s.FullyConferrable} fully conferrable, mean Confer over flipped {s.MeanFlippedConferrability:F3}, over kept {s.MeanKeptConferrability:F3}"));

        ISuspect Suspect(ModelFile m, string name) => ModelSuspect.Of(m, name, OutputMode.Label);
        var training = HeldOutConferrability.Measure(result.Examples, result.SourceLabels,
            [Suspect(surrogates[0], "s1"), Suspect(surrogates[1], "s2")], [Suspect(references[0], "r1"), Suspect(references[1], "r2")]);
        var heldOut = HeldOutConferrability.Measure(result.Examples, result.SourceLabels, [Suspect(surrogates[2], "s3")], [Suspect(references[2], "r3")]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CAE kept examples, training models: Confer {training.MeanConferrability:F3}, surrogate accuracy [{training.MinSurrogateAccuracy:F2}, {training.MaxSurrogateAccuracy:F2}], reference [{training.MinReferenceAccuracy:F2}, {training.MaxReferenceAccuracy:F2}]"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CAE kept examples, held-out models: Confer {heldOut.MeanConferrability:F3}, surrogate accuracy {heldOut.MeanSurrogateAccuracy:F2}, reference {heldOut.MeanReferenceAccuracy:F2}"));

        if (quick) return 0;
        Bim(source, owner, options, surrogates, references);

        Console.WriteLine($"zoo models (fingerprint accuracy; verified at θ = {CaeScore.PaperThreshold}):");
        foreach (var (id, path) in zoo.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var labels = Suspect(ModelFile.Load(path), id).Query(result.Examples).Labels;
            double accuracy = CaeScore.FingerprintAccuracy(result.SourceLabels, labels);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {id,-24} {accuracy:F2} {(CaeScore.IsSurrogate(accuracy) ? "verified" : "-")}"));
        }
        return 0;
    }

    /// <summary>Plain BIM on the source alone (the paper's IGM row of Table 1): same ε, step and iterations,
    /// from correctly classified owner images; conferrability averaged over the examples that flipped.</summary>
    static void Bim(SourceModel source, Dataset owner, CaeOptions options, ModelFile[] surrogates, ModelFile[] references)
    {
        var order = new Generator(options.Seed + 1).Permutation(owner.Count).Take(options.Candidates * 2).ToArray();
        var x0 = owner.Gather(order);
        int[] predicted;
        using (GradMode.NoGrad()) predicted = source.Logits(x0).ArgMax(1);
        var start = order.Where((idx, i) => predicted[i] == owner.Labels[idx]).Take(options.Candidates).ToArray();
        var labels = start.Select(i => owner.Labels[i]).ToArray();
        var bim = new GradientAttackOptions { Epsilon = options.Epsilon, StepSize = options.StepSize, Steps = options.Steps, RandomStart = false };
        var clock = Stopwatch.StartNew();
        var adv = GradientAttack.Run(source.Logits, owner.Gather(start), labels, bim, new Generator(options.Seed));
        int[] after;
        using (GradMode.NoGrad()) after = source.Logits(adv).ArgMax(1);
        var flipped = Enumerable.Range(0, start.Length).Where(i => after[i] != labels[i]).ToArray();
        var examples = adv.IndexSelect(0, flipped);
        var keys = flipped.Select(i => after[i]).ToArray();
        ISuspect Suspect(ModelFile m) => ModelSuspect.Of(m, "m", OutputMode.Label);
        var training = HeldOutConferrability.Measure(examples, keys, surrogates.Take(2).Select(Suspect).ToArray(), references.Take(2).Select(Suspect).ToArray());
        var heldOut = HeldOutConferrability.Measure(examples, keys, [Suspect(surrogates[2])], [Suspect(references[2])]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"BIM (ε {options.Epsilon}, {options.Steps} steps, {clock.Elapsed.TotalSeconds:F0} s): {flipped.Length} of {start.Length} flipped; Confer training {training.MeanConferrability:F3} (surrogates {training.MeanSurrogateAccuracy:F2}, references {training.MeanReferenceAccuracy:F2}), held-out {heldOut.MeanConferrability:F3} (surrogate {heldOut.MeanSurrogateAccuracy:F2}, reference {heldOut.MeanReferenceAccuracy:F2})"));
    }

    /// <summary>The zoo's built models by id: for each, the sidecar record of its last chain step.</summary>
    static Dictionary<string, string> BuiltModels(string modelsDir)
    {
        var best = new Dictionary<string, (int Step, string Path)>();
        foreach (var json in Directory.GetFiles(modelsDir, "*.json"))
        {
            var model = Path.ChangeExtension(json, ".safetensors");
            var record = ZooBuildRecord.TryLoad(json);
            if (record == null || !File.Exists(model)) continue;
            var m = Regex.Match(record.Where, @"model '([^']+)', step (\d+)");
            if (!m.Success) continue;
            int step = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            if (!best.TryGetValue(m.Groups[1].Value, out var b) || step > b.Step) best[m.Groups[1].Value] = (step, model);
        }
        return best.ToDictionary(p => p.Key, p => p.Value.Path);
    }

    static ModelFile Kit(string dir, string name, Func<ModelFile> train)
    {
        var path = Path.Combine(dir, name + ".safetensors");
        if (File.Exists(path)) { var m = ModelFile.Load(path); m.Model.Eval(); return m; }
        var clock = Stopwatch.StartNew();
        var model = train();
        model.Model.Eval();
        model.Save(path);
        Console.WriteLine($"kit {name}: trained in {clock.Elapsed.TotalSeconds:F0} s");
        return model;
    }

    static ModelFile Distil(SourceModel source, Dataset owner, int seed)
    {
        var student = Surrogates.Distil(source.File!.Spec.Copy(), source, owner, source.LogitsOf(owner.AsTensor()), 5, seed);
        return new ModelFile { Model = student, Preprocessing = source.Preprocessing, TrainedOn = owner.Origin.Description, Lineage = ModelLineage.Trained(student.Spec.Name, "distilled from the source", seed, new Dictionary<string, string>()) };
    }

    static ModelFile Reference(Dataset owner, int seed)
    {
        var model = ArchitectureCatalog.Create(new ArchitectureSpec { Name = "cnn-c", InChannels = 1, ImageSize = 28, Classes = 10, Width = 1 }, new Generator(seed));
        Trainer.Train(model, owner.Preprocessing, owner, new TrainingOptions { Epochs = 5, BatchSize = 128, LearningRate = 0.05, Seed = seed });
        return new ModelFile { Model = model, Preprocessing = owner.Preprocessing, TrainedOn = owner.Origin.Description, Lineage = ModelLineage.Trained("cnn-c", owner.Origin.Description, seed, new Dictionary<string, string>()) };
    }

    static double Accuracy(ModelFile m, Dataset test)
    {
        var labels = ModelSuspect.Of(m, "m", OutputMode.Label).Query(test.AsTensor()).Labels;
        return (double)labels.Where((l, i) => l == test.Labels[i]).Count() / labels.Length;
    }

    sealed class Progress : IProgress<string>
    {
        public void Report(string value) => Console.Error.WriteLine(value);
    }
}
