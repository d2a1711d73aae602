using Lineage.Data;
using Lineage.Engine;
using Lineage.Models.Architectures;
using Lineage.Models.Training;

namespace Lineage.Attacks;

/// <summary>The training parameters attacks share, and the training loops they run (hard labels, soft targets).</summary>
public static class AttackTraining
{
    /// <summary>epochs, lr, batch_size, momentum, weight_decay with the given defaults (SGD, as the papers' attackers use).</summary>
    public static AttackParameter[] Parameters(int epochs, double lr) =>
    [
        new("epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), "training epochs"),
        new("lr", lr.ToString("R", System.Globalization.CultureInfo.InvariantCulture), "SGD learning rate (cosine schedule)"),
        new("batch_size", "64", "mini-batch size"),
        new("momentum", "0.9", "SGD momentum"),
        new("weight_decay", "5e-4", "L2 weight decay"),
    ];

    /// <summary>The student architecture parameters of extraction attacks (empty = the source's).</summary>
    public static AttackParameter[] StudentParameters =>
    [
        new("arch", "", "student architecture (default: the source's)"),
        new("width", "", "student width multiplier (default: the source's)"),
    ];

    public static TrainingOptions Options(AttackParameters p, int seed) => new()
    {
        Epochs = p.Int("epochs", 0, 100000),
        LearningRate = p.Double("lr", 1e-9, 10),
        BatchSize = p.Int("batch_size", 1, 1 << 20),
        Momentum = p.Double("momentum", 0, 1),
        WeightDecay = p.Double("weight_decay", 0, 1),
        Optimizer = OptimizerKind.Sgd,
        Schedule = ScheduleKind.Cosine,
        Seed = seed,
    };

    /// <summary>Checks the student parameters at construction time (unknown architecture, bad width).</summary>
    public static void ValidateStudent(AttackParameters p)
    {
        if (p.Optional("arch") is string arch && !ArchitectureCatalog.Contains(arch))
            throw new ArgumentException($"unknown architecture '{arch}'; choose one of: {string.Join(", ", ArchitectureCatalog.Names)}");
        if (p.Optional("width") is not null) p.Double("width", 1e-3, 64);
    }

    /// <summary>A freshly initialised student with the source's input and class count.</summary>
    public static Classifier NewStudent(AttackParameters p, ArchitectureSpec source, int classes, int seed)
    {
        var spec = new ArchitectureSpec
        {
            Name = p.Optional("arch") ?? source.Name,
            InChannels = source.InChannels,
            ImageSize = source.ImageSize,
            Classes = classes,
            Width = p.Optional("width") is null ? source.Width : (float)p.Double("width"),
        };
        if (spec.Name == EnsembleClassifier.ArchitectureName)
            throw new ArgumentException("an ensemble cannot be a student architecture; name a single architecture with arch=…");
        return ArchitectureCatalog.Create(spec, new Generator(seed));
    }

    /// <summary>The same images under other labels (the source's answers, a relabelled mix).</summary>
    public static Dataset WithLabels(Dataset data, int[] labels) => new(data.Images, labels, data.ClassNames, data.Preprocessing, data.Origin);

    /// <summary>Cross-entropy on the dataset's labels (hard labels; extraction passes the source's).</summary>
    public static TrainingReport TrainHard(Classifier model, Preprocessing pre, Dataset data, TrainingOptions options, AttackContext context,
        BatchTransform? transform = null)
        => Trainer.Train(model, pre, data, options, transform: transform, progress: context.Progress, cancel: context.Cancel);

    /// <summary>Cross-entropy against per-sample target distributions (row-major [N, classes]); the loss
    /// looks each batch's rows up by the batch's dataset indices.</summary>
    public static TrainingReport TrainSoft(Classifier model, Preprocessing pre, Dataset data, float[] targets, int classes, TrainingOptions options, AttackContext context)
        => Trainer.Train(model, pre, data, options, loss: (logits, batch) => Functional.CrossEntropy(logits, Rows(targets, classes, batch.Indices)),
            progress: context.Progress, cancel: context.Cancel);

    /// <summary>The rows of a row-major [N, classes] array at the given indices, as a pooled tensor.</summary>
    public static Tensor Rows(float[] values, int classes, int[] indices)
    {
        var t = Tensor.Empty(indices.Length, classes);
        var span = t.Span;
        for (int i = 0; i < indices.Length; i++) values.AsSpan(indices[i] * classes, classes).CopyTo(span.Slice(i * classes, classes));
        return t;
    }
}
