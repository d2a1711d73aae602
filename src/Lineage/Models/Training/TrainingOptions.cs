using System.Globalization;

namespace Lineage.Models.Training;

public enum OptimizerKind { Sgd, Adam, AdamW, RmsProp }
public enum ScheduleKind { Constant, Step, Cosine, OneCycle }
public enum AugmentationKind { None, Flip, Crop, CropFlip }

/// <summary>Everything that decides a training run besides the model and the data.</summary>
public sealed record TrainingOptions
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 128;
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;
    public double LearningRate { get; init; } = 0.05;
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 5e-4;
    public bool Nesterov { get; init; }
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Cosine;
    /// <summary>Epochs between decays for <see cref="ScheduleKind.Step"/>.</summary>
    public int StepSize { get; init; } = 5;
    public double Gamma { get; init; } = 0.1;
    public AugmentationKind Augmentation { get; init; } = AugmentationKind.None;
    public float LabelSmoothing { get; init; }
    public int Seed { get; init; }

    public void Validate()
    {
        if (Epochs < 0) throw new ArgumentException($"epochs must be ≥ 0, got {Epochs}");
        if (BatchSize < 1) throw new ArgumentException($"batch size must be ≥ 1, got {BatchSize}");
        if (!(LearningRate > 0)) throw new ArgumentException($"learning rate must be positive, got {LearningRate}");
        if (Momentum < 0 || WeightDecay < 0) throw new ArgumentException("momentum and weight decay must be ≥ 0");
        if (LabelSmoothing < 0 || LabelSmoothing >= 1) throw new ArgumentException($"label smoothing must lie in [0, 1), got {LabelSmoothing}");
        if (Schedule == ScheduleKind.Step && StepSize < 1) throw new ArgumentException("step schedule needs a step size ≥ 1");
    }

    /// <summary>The options as strings for lineage records.</summary>
    public Dictionary<string, string> Describe() => new()
    {
        ["epochs"] = Epochs.ToString(CultureInfo.InvariantCulture),
        ["batch_size"] = BatchSize.ToString(CultureInfo.InvariantCulture),
        ["optimizer"] = Optimizer.ToString().ToLowerInvariant(),
        ["lr"] = LearningRate.ToString("R", CultureInfo.InvariantCulture),
        ["momentum"] = Momentum.ToString("R", CultureInfo.InvariantCulture),
        ["weight_decay"] = WeightDecay.ToString("R", CultureInfo.InvariantCulture),
        ["schedule"] = Schedule.ToString().ToLowerInvariant(),
        ["augmentation"] = Augmentation.ToString().ToLowerInvariant(),
        ["label_smoothing"] = LabelSmoothing.ToString("R", CultureInfo.InvariantCulture),
    };
}
