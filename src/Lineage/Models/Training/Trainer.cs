using System.Diagnostics;
using System.Globalization;
using Lineage.Data;
using Lineage.Data.Augmentations;
using Lineage.Engine;
using Lineage.Engine.IO;
using Lineage.Engine.Optim;
using Lineage.Models.Architectures;

namespace Lineage.Models.Training;

/// <summary>The loss of one batch given the model's logits (cross-entropy on the batch labels by default;
/// extraction attacks use the source's answers, distillation a KL term).</summary>
public delegate Tensor BatchLoss(Tensor logits, DataBatch batch);

/// <summary>Rewrites a batch before the step (adversarial training swaps in adversarial examples).</summary>
public delegate DataBatch BatchTransform(DataBatch batch);

/// <summary>
/// Mini-batch training of a classifier on [0,1] images with the model's preprocessing. Each epoch's
/// order and augmentation come from (seed, epoch), so a run resumed from its checkpoint after epoch k
/// continues exactly as the uninterrupted run would have; an interruption loses at most one epoch.
/// Only parameters that require grad are trained (frozen layers stay put).
/// </summary>
public static class Trainer
{
    public static TrainingReport Train(Classifier model, Preprocessing preprocessing, Dataset train, TrainingOptions options,
        BatchLoss? loss = null, BatchTransform? transform = null, Dataset? test = null,
        IProgress<TrainingProgress>? progress = null, string? checkpointPath = null, CancellationToken cancel = default)
    {
        options.Validate();
        if (train.Count == 0) throw new ArgumentException("training set is empty");
        if (train.NumClasses > model.Spec.Classes) throw new ArgumentException($"training data has {train.NumClasses} classes but the model outputs {model.Spec.Classes}");
        loss ??= (logits, batch) => Functional.CrossEntropy(logits, batch.Labels, options.LabelSmoothing);
        var parameters = model.TrainableParameters().ToList();
        if (parameters.Count == 0) throw new ArgumentException("the model has no trainable parameters (all frozen)");
        var optimizer = CreateOptimizer(parameters, options);
        var loader = new DataLoader(train, options.BatchSize, shuffle: true, seed: options.Seed, dropLast: train.Count > options.BatchSize, augmentation: CreateAugmentation(options.Augmentation));
        var schedule = CreateSchedule(optimizer, options, loader.Count);
        int startEpoch = 0;
        if (checkpointPath != null && File.Exists(checkpointPath)) startEpoch = TrainingCheckpoint.Restore(checkpointPath, model, optimizer, schedule, options);

        var epochs = new List<EpochReport>();
        for (int epoch = startEpoch; epoch < options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            model.Train();
            double lossSum = 0; long correct = 0, seen = 0; int batchIndex = 0;
            using var batches = loader.Epoch(epoch).GetEnumerator();
            while (true)
            {
                cancel.ThrowIfCancellationRequested();
                using var scope = TensorScope.Begin();
                if (!batches.MoveNext()) break;
                var batch = transform?.Invoke(batches.Current) ?? batches.Current;
                optimizer.ZeroGrad();
                var logits = model.Forward(preprocessing.Apply(batch.Images));
                var l = loss(logits, batch);
                l.Backward();
                optimizer.Step();
                if (schedule is OneCycleLR) schedule.Step();
                float lv = l.Item();
                if (!float.IsFinite(lv)) throw new TrainingDivergedException($"training diverged: loss is {lv} at epoch {epoch + 1}, batch {batchIndex + 1} (lower the learning rate)");
                var pred = logits.ArgMax(1);
                for (int i = 0; i < pred.Length; i++) if (pred[i] == batch.Labels[i]) correct++;
                seen += pred.Length; lossSum += lv * pred.Length; batchIndex++;
                progress?.Report(new TrainingProgress(epoch + 1, options.Epochs, batchIndex, loader.Count, lossSum / seen, (double)correct / seen, optimizer.ParamGroups[0].Lr ?? options.LearningRate));
            }
            double lr = optimizer.ParamGroups[0].Lr ?? options.LearningRate;
            if (schedule is not null and not OneCycleLR) schedule.Step();
            epochs.Add(new EpochReport(epoch + 1, seen > 0 ? lossSum / seen : double.NaN, seen > 0 ? (double)correct / seen : double.NaN, lr, clock.Elapsed));
            if (checkpointPath != null) TrainingCheckpoint.Save(checkpointPath, model, optimizer, schedule, options, epoch + 1);
        }
        model.Eval();
        double? testAccuracy = test is null ? null : Evaluate.Accuracy(model, preprocessing, test);
        return new TrainingReport(epochs, testAccuracy, startEpoch);
    }

    static Optimizer CreateOptimizer(List<Tensor> p, TrainingOptions o) => o.Optimizer switch
    {
        OptimizerKind.Sgd => new Sgd(p, o.LearningRate, o.Momentum, weightDecay: o.WeightDecay, nesterov: o.Nesterov),
        OptimizerKind.Adam => new Adam(p, o.LearningRate, weightDecay: o.WeightDecay),
        OptimizerKind.AdamW => new AdamW(p, o.LearningRate, weightDecay: o.WeightDecay),
        _ => new RmsProp(p, o.LearningRate, weightDecay: o.WeightDecay, momentum: o.Momentum),
    };

    static LrScheduler? CreateSchedule(Optimizer opt, TrainingOptions o, int batchesPerEpoch) => o.Schedule switch
    {
        ScheduleKind.Step => new StepLR(opt, o.StepSize, o.Gamma),
        ScheduleKind.Cosine => new CosineAnnealingLR(opt, Math.Max(1, o.Epochs)),
        ScheduleKind.OneCycle => new OneCycleLR(opt, o.LearningRate, Math.Max(1, o.Epochs * batchesPerEpoch), cycleMomentum: o.Optimizer == OptimizerKind.Sgd && o.Momentum > 0),
        _ => null,
    };

    static IAugmentation? CreateAugmentation(AugmentationKind kind) => kind switch
    {
        AugmentationKind.Flip => new HorizontalFlip(),
        AugmentationKind.Crop => new RandomCrop(4),
        AugmentationKind.CropFlip => new Compose(new RandomCrop(4), new HorizontalFlip()),
        _ => null,
    };
}
