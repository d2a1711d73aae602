using Lineage.Data;
using Lineage.Engine;
using Lineage.Fingerprints;
using Lineage.Models;
using Lineage.Models.Architectures;
using Lineage.Models.Training;
using Lineage.Suspects;

namespace Lineage.Tests.Fingerprints;

/// <summary>A small source model on the shapes data, a fine-tuned copy of it, and two independent models
/// (trained once for all fingerprint tests), and, for methods that learn from models, a tiny owner's kit built for
/// the source when first asked for.</summary>
public sealed class TrainedModelsFixture : IDisposable
{
    public Dataset Defender { get; }
    public Dataset Attacker { get; }
    public ModelFile Source { get; }
    public ModelFile FineTuned { get; }
    public ModelFile Independent { get; }
    public ModelFile Independent2 { get; }

    public TrainedModelsFixture()
    {
        var data = DatasetCatalog.Load("shapes", new DatasetLoadOptions { TrainCount = 3000, TestCount = 300, Seed = 11 });
        (Defender, Attacker) = DataSplits.DefenderAttackerHalves(data.Train, 1);
        var options = new TrainingOptions { Epochs = 4, BatchSize = 64, LearningRate = 0.05, Seed = 1 };
        Source = Train(Defender, options, "cnn-c", 1);
        var copy = (Classifier)Source.Model.Clone();
        Trainer.Train(copy, Source.Preprocessing, Attacker, options with { Epochs = 1, LearningRate = 0.005, Schedule = ScheduleKind.Constant, Seed = 2 });
        FineTuned = new ModelFile { Model = copy, Preprocessing = Source.Preprocessing, TrainedOn = Attacker.Origin.Description, Lineage = Source.Lineage.Derive("ftal", Source.Hash, 2, new Dictionary<string, string>()) };
        Independent = Train(Attacker, options with { Seed = 3 }, "cnn-c", 3);
        Independent2 = Train(Attacker, options with { Seed = 4 }, "cnn-a", 4);
        kit = new(() =>
        {
            var dir = Directory.CreateTempSubdirectory("lineage-fixture-kit-");
            var sourcePath = Path.Combine(dir.FullName, "source.safetensors");
            Source.Save(sourcePath);
            var kitDir = Path.Combine(dir.FullName, "kit");
            Lineage.Kits.KitBuilder.Build(sourcePath, kitDir, Lineage.Tests.Kits.TinyKit.Options());
            return (Lineage.Kits.OwnerKit.Load(kitDir), dir);
        });
    }

    static ModelFile Train(Dataset data, TrainingOptions options, string arch, int seed)
    {
        var model = ArchitectureCatalog.Create(new ArchitectureSpec { Name = arch, InChannels = 1, ImageSize = 28, Classes = 10, Width = 0.5f }, new Generator(seed));
        Trainer.Train(model, data.Preprocessing, data, options);
        return new ModelFile { Model = model, Preprocessing = data.Preprocessing, TrainedOn = data.Origin.Description, Lineage = ModelLineage.Trained(arch, data.Origin.Description, seed, new Dictionary<string, string>()) };
    }

    readonly Lazy<(Lineage.Kits.OwnerKit Kit, DirectoryInfo Dir)> kit;

    /// <summary>A tiny kit (3 references, 3 surrogates, seconds to build) for <see cref="Source"/>.</summary>
    public Lineage.Kits.OwnerKit Kit => kit.Value.Kit;

    public void Dispose()
    {
        if (kit.IsValueCreated) kit.Value.Dir.Delete(true);
    }

    public SourceModel SourceModel => Lineage.Fingerprints.SourceModel.FromModelFile(Source, "source");

    public static ISuspect AsSuspect(ModelFile m, string name, OutputMode mode = OutputMode.Logits, int k = 1) => ModelSuspect.Of(m, name, mode, k);
}
