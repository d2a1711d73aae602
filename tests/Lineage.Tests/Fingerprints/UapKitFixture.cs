using Lineage.Data;
using Lineage.Engine;
using Lineage.Adversarial;
using Lineage.Fingerprints;
using Lineage.Fingerprints.Uap;
using Lineage.Models;
using Lineage.Models.Architectures;
using Lineage.Models.Training;
using Lineage.Suspects;

namespace Lineage.Tests.Fingerprints;

/// <summary>A tiny owner's kit on shapes, trained once for the UAP tests: a source, three surrogates distilled from
/// it on the attacker half (one held out), and four references trained on that half with true labels (one held out).</summary>
public sealed class UapKitFixture
{
    public Dataset Owner { get; }
    public SourceModel Source { get; }
    public IReadOnlyList<ModelFile> Surrogates { get; }
    public IReadOnlyList<ModelFile> References { get; }
    public ModelFile HeldOutSurrogate { get; }
    public ModelFile HeldOutReference { get; }

    /// <summary>Small settings so creation takes seconds: 20 points, 8 views, a UAP over 200 images.</summary>
    public static UapOptions Options => new()
    {
        Points = 20, Views = 8, UapImages = 200,
        Uap = new UniversalPerturbationOptions { Norm = PerturbationNorm.L2, Xi = 3f, MaxPasses = 3, BatchSize = 32 },
        Encoder = new UapEncoderOptions { Epochs = 100 },
        Seed = 5,
    };

    readonly Lazy<UapFingerprintResult> created;
    /// <summary>The fingerprint made with <see cref="Options"/> and the training kit (held-out models excluded).</summary>
    public UapFingerprintResult Created => created.Value;

    public UapKitFixture()
    {
        var data = DatasetCatalog.Load("shapes", new DatasetLoadOptions { TrainCount = 1600, TestCount = 100, Seed = 21 });
        var (owner, attacker) = DataSplits.DefenderAttackerHalves(data.Train, 1);
        Owner = owner;
        var options = new TrainingOptions { Epochs = 2, BatchSize = 64, LearningRate = 0.05, Seed = 1 };
        var source = Train(owner, options, "cnn-c", 1);
        Source = SourceModel.FromModelFile(source, "source");
        var teacher = Source.LogitsOf(attacker.AsTensor());
        var surrogates = Enumerable.Range(0, 3).Select(i => Wrap(Lineage.Fingerprints.Surrogates.Distil(source.Spec.Copy(), Source, attacker, teacher, epochs: 2, seed: 10 + i), attacker)).ToList();
        var references = new[] { "cnn-c", "cnn-a", "cnn-c", "cnn-a" }.Select((arch, i) => Train(attacker, options with { Seed = 20 + i }, arch, 20 + i)).ToList();
        Surrogates = surrogates[..2]; HeldOutSurrogate = surrogates[2];
        References = references[..3]; HeldOutReference = references[3];
        created = new(() => UapFingerprinter.Create(Source, Owner, Surrogates.Select((m, i) => Suspect(m, $"surrogate{i}")).ToList(),
            References.Select((m, i) => Suspect(m, $"reference{i}")).ToList(), Options));
    }

    static ModelFile Train(Dataset data, TrainingOptions options, string arch, int seed)
    {
        var model = ArchitectureCatalog.Create(new ArchitectureSpec { Name = arch, InChannels = 1, ImageSize = 28, Classes = 10, Width = 0.5f }, new Generator(seed));
        Trainer.Train(model, data.Preprocessing, data, options);
        return new ModelFile { Model = model, Preprocessing = data.Preprocessing, TrainedOn = data.Origin.Description, Lineage = ModelLineage.Trained(arch, data.Origin.Description, seed, new Dictionary<string, string>()) };
    }

    static ModelFile Wrap(Classifier model, Dataset data) => new()
    {
        Model = model, Preprocessing = data.Preprocessing, TrainedOn = data.Origin.Description,
        Lineage = ModelLineage.Trained("distilled", data.Origin.Description, 0, new Dictionary<string, string>()),
    };

    public static ISuspect Suspect(ModelFile m, string name, OutputMode mode = OutputMode.Probabilities, int k = 1) => ModelSuspect.Of(m, name, mode, k);
}
