using Lineage.Data;
using Lineage.Engine;
using Lineage.Models.Architectures;

namespace Lineage.Models.Training;

/// <summary>Which part of a training set a model sees (the papers split it between owner and thief).</summary>
public enum DataPart { All, Defender, Attacker }

/// <summary>Trains a fresh classifier on (a split of) a dataset and returns it as a model file with its lineage.</summary>
public static class TrainingJob
{
    public static Dataset SelectPart(Dataset train, DataPart part, int splitSeed) => part switch
    {
        DataPart.Defender => DataSplits.DefenderAttackerHalves(train, splitSeed).Defender,
        DataPart.Attacker => DataSplits.DefenderAttackerHalves(train, splitSeed).Attacker,
        _ => train,
    };

    public static (ModelFile Model, TrainingReport Report) Run(DatasetPair data, DataPart part, int splitSeed, string architecture, float width,
        TrainingOptions options, IProgress<TrainingProgress>? progress = null, string? checkpointPath = null, CancellationToken cancel = default)
    {
        var train = SelectPart(data.Train, part, splitSeed);
        var spec = new ArchitectureSpec
        {
            Name = architecture,
            InChannels = train.Channels,
            ImageSize = train.Height,
            Classes = train.NumClasses,
            Width = width,
        };
        if (train.Height != train.Width) throw new ArgumentException($"architectures take square images; the data is {train.Height}×{train.Width}");
        var model = ArchitectureCatalog.Create(spec, new Generator(options.Seed));
        var report = Trainer.Train(model, train.Preprocessing, train, options, test: data.Test, progress: progress, checkpointPath: checkpointPath, cancel: cancel);
        return (Package(model, train.Preprocessing, train, options, report.TestAccuracy), report);
    }

    /// <summary>A model trained from scratch as a model file: its lineage is a train record (architecture, width,
    /// training options, seed) on the data it was trained on.</summary>
    public static ModelFile Package(Classifier model, Preprocessing preprocessing, Dataset trainedOn, TrainingOptions options, double? testAccuracy)
    {
        var parameters = options.Describe();
        parameters["architecture"] = model.Spec.Name;
        parameters["width"] = model.Spec.Width.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        return new ModelFile
        {
            Model = model,
            Preprocessing = preprocessing,
            TrainedOn = trainedOn.Origin.Description,
            Lineage = ModelLineage.Trained(model.Spec.Name, trainedOn.Origin.Description, options.Seed, parameters),
            TestAccuracy = testAccuracy,
        };
    }
}
