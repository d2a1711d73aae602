using Lineage.Zoo;
namespace Lineage.Evaluation;

/// <summary>One suspect judged by one method: its score and verdict, what verifying it cost, and what the zoo
/// says it is. <see cref="Score"/> is null when the method cannot read this suspect (see <see cref="Note"/>).</summary>
public sealed record ModelScore
{
    public required string Method { get; init; }
    public required string ModelId { get; init; }
    /// <summary>The model's hash as the manifest records it; a cached score is reused only for the same hash.</summary>
    public string ModelHash { get; init; } = "";
    public required string Role { get; init; }
    public required string Category { get; init; }
    public double? TestAccuracy { get; init; }
    /// <summary>How many classes the suspect answers with (its label space); null in scores cached before it was recorded.</summary>
    public int? Classes { get; init; }
    public double? Score { get; init; }
    public double? Threshold { get; init; }
    public bool? Flagged { get; init; }
    public double? PValue { get; init; }
    public string Representation { get; init; } = "";
    public long Queries { get; init; }
    public double VerifySeconds { get; init; }
    /// <summary>True for the independent models the decision threshold was calibrated on (excluded from the held-out FPR).</summary>
    public bool UsedForCalibration { get; init; }
    public string? Note { get; init; }

    public bool IsStolen => Role == ZooManifestModel.StolenRole;
    public bool IsIndependent => Role == ZooManifestModel.IndependentRole;
}
