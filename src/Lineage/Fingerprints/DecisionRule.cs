using Lineage.Statistics;

namespace Lineage.Fingerprints;

/// <summary>
/// How a score becomes a verdict. Either the method paper's own rule (a fixed threshold, said as such
/// in every verdict) or a threshold calibrated on independent ("null") models at a target
/// false-positive rate; the null scores are kept so each verdict can report an empirical p-value.
/// </summary>
public sealed record DecisionRule
{
    public required ScoreDirection Direction { get; init; }
    /// <summary>The view of the suspect's answers this rule was set for (e.g. "logits", "smoothed labels"):
    /// scores of different views are on different scales, so each view has its own threshold.</summary>
    public string Representation { get; init; } = "";
    public required double Threshold { get; init; }
    /// <summary>Where the threshold comes from, in words (e.g. "paper: CAE θ = 0.7").</summary>
    public required string Basis { get; init; }
    /// <summary>Scores of the independent models used for calibration (empty when uncalibrated).</summary>
    public IReadOnlyList<double> NullScores { get; init; } = [];
    public double? TargetFpr { get; init; }
    public double? AchievedFpr { get; init; }

    public bool IsCalibrated => NullScores.Count > 0;

    public bool IsFlagged(double score) => Direction.IsFlagged(score, Threshold);

    public static DecisionRule Paper(ScoreDirection direction, double threshold, string basis)
        => new() { Direction = direction, Threshold = threshold, Basis = "paper rule: " + basis };

    /// <summary>A threshold whose empirical false-positive rate on the null scores is at most <paramref name="targetFpr"/>.</summary>
    public static DecisionRule Calibrated(ScoreDirection direction, IReadOnlyList<double> nullScores, double targetFpr, string representation = "")
    {
        var c = ThresholdCalibration.Calibrate(nullScores, targetFpr, direction);
        return new DecisionRule
        {
            Direction = direction,
            Representation = representation,
            Threshold = c.Threshold,
            Basis = $"calibrated on {c.NullCount} independent models at target FPR {targetFpr:0.###} (achieved {c.AchievedFpr:0.###})",
            NullScores = nullScores.ToArray(),
            TargetFpr = targetFpr,
            AchievedFpr = c.AchievedFpr,
        };
    }

    /// <summary>Empirical p-value of a score among the null scores, or null when uncalibrated.</summary>
    public double? PValue(double score) => IsCalibrated ? EmpiricalPValue.Compute(score, NullScores, Direction) : null;
}
