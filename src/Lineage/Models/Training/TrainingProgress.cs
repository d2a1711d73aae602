namespace Lineage.Models.Training;

/// <summary>Reported after every batch: where the run is and how it is doing so far this epoch.</summary>
public sealed record TrainingProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, double Accuracy, double LearningRate);

/// <summary>What a finished run measured, epoch by epoch.</summary>
public sealed record TrainingReport(IReadOnlyList<EpochReport> Epochs, double? TestAccuracy, int ResumedFromEpoch);

public sealed record EpochReport(int Epoch, double Loss, double TrainAccuracy, double LearningRate, TimeSpan Elapsed);
