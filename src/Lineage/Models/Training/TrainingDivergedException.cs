namespace Lineage.Models.Training;

/// <summary>The loss became NaN or infinite: the run cannot continue, and the usual remedy is a lower learning rate.</summary>
public sealed class TrainingDivergedException(string message) : InvalidOperationException(message);
