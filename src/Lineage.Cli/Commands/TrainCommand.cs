using System.CommandLine;
using System.Text.Json;
using Lineage.Data;
using Lineage.Models.Architectures;
using Lineage.Models.Training;

namespace Lineage.Cli.Commands;

/// <summary>`lineage train`: trains a classifier and writes a model file (resumable from its checkpoint).</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var arch = new Option<string>("--arch") { Description = "Architecture: " + string.Join(", ", ArchitectureCatalog.Names), DefaultValueFactory = _ => "cnn-c" };
        var width = new Option<float>("--width") { Description = "Width multiplier for every layer", DefaultValueFactory = _ => 1f };
        var part = new Option<DataPart>("--part") { Description = "Training data: all, defender or attacker half", DefaultValueFactory = _ => DataPart.All };
        var splitSeed = new Option<int>("--split-seed") { Description = "Seed of the defender/attacker split", DefaultValueFactory = _ => 1 };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 128 };
        var optimizer = new Option<OptimizerKind>("--optimizer") { DefaultValueFactory = _ => OptimizerKind.Sgd };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => 0.05 };
        var momentum = new Option<double>("--momentum") { DefaultValueFactory = _ => 0.9 };
        var wd = new Option<double>("--weight-decay") { DefaultValueFactory = _ => 5e-4 };
        var schedule = new Option<ScheduleKind>("--schedule") { DefaultValueFactory = _ => ScheduleKind.Cosine };
        var augment = new Option<AugmentationKind>("--augment") { DefaultValueFactory = _ => AugmentationKind.None };
        var seed = new Option<int>("--seed") { Description = "Seed of the initial weights, batch order and augmentation", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out", "-o") { Description = "Model file to write", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var cmd = new Command("train", "Train a classifier and write a model file with its lineage; rerun the same command to resume after an interruption");
        data.AddTo(cmd);
        foreach (var o in new Option[] { arch, width, part, splitSeed, epochs, batch, optimizer, lr, momentum, wd, schedule, augment, seed, output, json }) cmd.Options.Add(o);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            var options = new TrainingOptions
            {
                Epochs = r.GetValue(epochs), BatchSize = r.GetValue(batch), Optimizer = r.GetValue(optimizer), LearningRate = r.GetValue(lr),
                Momentum = r.GetValue(momentum), WeightDecay = r.GetValue(wd), Schedule = r.GetValue(schedule), Augmentation = r.GetValue(augment), Seed = r.GetValue(seed),
            };
            var pair = data.Load(r);
            string outPath = r.GetValue(output)!;
            string checkpoint = outPath + ".checkpoint";
            var (file, report) = ProgressDisplay.Run("train", p => TrainingJob.Run(pair, r.GetValue(part), r.GetValue(splitSeed), r.GetValue(arch)!, r.GetValue(width), options, p, checkpoint));
            file.Save(outPath);
            File.Delete(checkpoint);
            if (r.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new { model = outPath, hash = file.Hash, architecture = file.Spec.ToString(), trained_on = file.TrainedOn, test_accuracy = file.TestAccuracy, resumed_from_epoch = report.ResumedFromEpoch, epochs = report.Epochs }));
            else
                Console.WriteLine($"wrote {outPath}: {file.Spec}, trained on {file.TrainedOn}, test accuracy {file.TestAccuracy:P2}" + (report.ResumedFromEpoch > 0 ? $" (resumed after epoch {report.ResumedFromEpoch})" : ""));
            return 0;
        }));
        return cmd;
    }
}
