using Lineage.Statistics;

namespace Lineage.Evaluation;

/// <summary>AUC of one attack category: its stolen models against the independent models in their label space
/// (<see cref="Negatives"/> of them; see <see cref="EvaluationMetrics.NegativesFor"/>).</summary>
public sealed record CategoryAuc(string Category, CategoryFamily Family, int Positives, double? Auc, int Negatives = 0);

/// <summary>Everything reported for one method over the whole zoo.</summary>
public sealed record MethodSummary
{
    public required string Method { get; init; }
    public required ScoreDirection Direction { get; init; }
    /// <summary>The fingerprint's decision threshold for the view the suspects answered in.</summary>
    public double? Threshold { get; init; }
    public string ThresholdBasis { get; init; } = "";
    public string Representation { get; init; } = "";
    public required double CreateSeconds { get; init; }
    public required int QueryCount { get; init; }
    public required double MeanVerifySeconds { get; init; }
    public required double QueriesPerVerdict { get; init; }
    public required IReadOnlyList<CategoryAuc> Categories { get; init; }
    /// <summary>Mean AUC over fine-tuning, pruning and extraction categories (SAC's "Average" row).</summary>
    public double? Average { get; init; }
    public double? TransferAverage { get; init; }
    /// <summary>All stolen models against all independent ones.</summary>
    public double? Auc { get; init; }
    public IReadOnlyList<RocPoint> Roc { get; init; } = [];
    public double? TprAtReportFpr { get; init; }
    /// <summary>TPR at a tenth of the report FPR (0.1 % for the usual 1 %): what an owner who must almost never accuse wrongly can claim.</summary>
    public double? TprAtStrictFpr { get; init; }
    public double? AchievedFpr { get; init; }
    public double? Aruc { get; init; }
    /// <summary>The score interval ARUC integrates over: [0, 1] for matching rates, the observed min–max for distances.</summary>
    public double? ArucLow { get; init; }
    public double? ArucHigh { get; init; }
    /// <summary>Share of stolen models flagged at <see cref="Threshold"/>.</summary>
    public double? DetectionRate { get; init; }
    /// <summary>Share of held-out independent models (not used for calibration) flagged at <see cref="Threshold"/>.</summary>
    public double? HeldOutFpr { get; init; }
    public int HeldOutIndependents { get; init; }
    /// <summary>The false-positive rate the conformal rule guarantees for independent models it was not calibrated on
    /// (the target FPR, or 1/(n+1) with too few calibration models).</summary>
    public double? GuaranteedFpr { get; init; }
    /// <summary>How many independent models the method's threshold was calibrated on (null when it uses the paper's
    /// fixed rule): a method that learns from some of the kit's references calibrates on the others only.</summary>
    public int? CalibratedOn { get; init; }
}
