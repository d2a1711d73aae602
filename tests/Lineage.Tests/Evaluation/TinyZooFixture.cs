using Lineage.Zoo;
using Lineage.Attacks;
using Lineage.Data;
using Lineage.Evaluation;
using Lineage.Models;
using Lineage.Models.Training;

namespace Lineage.Tests.Evaluation;

/// <summary>A tiny zoo on shapes written to a temp folder once for all evaluation tests: a source, two stolen
/// models in two categories (fine-tuning, label extraction) and three independent models, with a manifest in
/// the zoo's format.</summary>
public sealed class TinyZooFixture : IDisposable
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "lineage-zoo-" + Guid.NewGuid().ToString("N"));
    public ZooManifest Manifest { get; }

    public TinyZooFixture()
    {
        var dataset = new ZooManifestDataset { Name = "shapes", TrainCount = 1600, TestCount = 200, DataSeed = 7 };
        var data = DatasetCatalog.Load("shapes", new DatasetLoadOptions { TrainCount = dataset.TrainCount, TestCount = dataset.TestCount, Seed = dataset.DataSeed });
        const int splitSeed = 1;
        var thief = DataSplits.DefenderAttackerHalves(data.Train, splitSeed).Attacker;
        var options = new TrainingOptions { Epochs = 5, BatchSize = 32, LearningRate = 0.05, Seed = 3 };
        var source = TrainingJob.Run(data, DataPart.Defender, splitSeed, "cnn-c", 0.25f, options).Model;
        var context = new AttackContext { ThiefData = thief, Test = data.Test, Seed = 5 };
        var models = new List<ZooManifestModel> { Save("src", source, ZooManifestModel.SourceRole, "source", null) };
        models.Add(Save("ftal-1", AttackCatalog.Create("ftal", new Dictionary<string, string> { ["epochs"] = "1" }).Run(source, context), ZooManifestModel.StolenRole, "Finetune-A", "src"));
        models.Add(Save("extl-1", AttackCatalog.Create("extract-l", new Dictionary<string, string> { ["epochs"] = "4", ["batch_size"] = "32" }).Run(source, context), ZooManifestModel.StolenRole, "Extract-L", "src"));
        for (int i = 1; i <= 3; i++)
        {
            var independent = AttackCatalog.Create("independent", new Dictionary<string, string> { ["epochs"] = "4", ["batch_size"] = "32" }).Run(source, context with { Seed = 100 + i });
            models.Add(Save($"ind-{i}", independent, ZooManifestModel.IndependentRole, "independent", null));
        }
        Manifest = new ZooManifest { SpecHash = "tiny-test-zoo", Dataset = dataset, SplitSeed = splitSeed, Models = models };
        Manifest.Save(Path.Combine(Directory, ZooManifest.FileName));
    }

    ZooManifestModel Save(string id, ModelFile model, string role, string category, string? parent)
    {
        var file = $"models/{id}.safetensors";
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "models"));
        model.Save(Path.Combine(Directory, file));
        return new ZooManifestModel { Id = id, File = file, Hash = model.Hash, Role = role, Category = category, Source = parent, Chain = id, TestAccuracy = model.TestAccuracy, Seconds = 0 };
    }

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }
}

[CollectionDefinition("tiny zoo")]
public sealed class TinyZooCollection : ICollectionFixture<TinyZooFixture>;
