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
    /// <summary>The false-positive rate the conformal rule guarantees on null models calibration never saw: the
    /// target, or 1/(n+1) when the n null models are too few for it (null for rules made before the conformal rule).</summary>
    public double? GuaranteedFpr { get; init; }

    public bool IsCalibrated => NullScores.Count > 0;

    public bool IsFlagged(double score) => Direction.IsFlagged(score, Threshold);

    public static DecisionRule Paper(ScoreDirection direction, double threshold, string basis)
        => new() { Direction = direction, Threshold = threshold, Basis = "paper rule: " + basis };

    /// <summary>A threshold set by the conformal rank rule (<see cref="ConformalThreshold"/>) on the null scores, so that
    /// the stated false-positive rate holds for independent models calibration never saw.</summary>
    /// <param name="nullModels">What the null models are, in words ("kit references", "independent models").</param>
    public static DecisionRule Calibrated(ScoreDirection direction, IReadOnlyList<double> nullScores, double targetFpr, string representation = "", string nullModels = "independent models")
    {
        var c = ConformalThreshold.Calibrate(nullScores, targetFpr, direction);
        string basis = c.TooFewNulls
            ? $"conformal rank rule on {c.NullCount} {nullModels}: too few for target FPR {targetFpr:0.###} (it needs {ConformalThreshold.MinimumNulls(targetFpr)}), so the threshold lies beyond every one of them and the guaranteed FPR is 1/{c.NullCount + 1} = {c.GuaranteedFpr:0.###}"
            : $"conformal rank rule on {c.NullCount} {nullModels} at target FPR {targetFpr:0.###} (guaranteed {c.GuaranteedFpr:0.###}; flags {c.AchievedFpr:0.###} of them)";
        return new DecisionRule
        {
            Direction = direction,
            Representation = representation,
            Threshold = c.Threshold,
            Basis = basis,
            NullScores = nullScores.ToArray(),
            TargetFpr = targetFpr,
            AchievedFpr = c.AchievedFpr,
            GuaranteedFpr = c.GuaranteedFpr,
        };
    }

    /// <summary>Empirical p-value of a score among the null scores, or null when uncalibrated.</summary>
    public double? PValue(double score) => IsCalibrated ? EmpiricalPValue.Compute(score, NullScores, Direction) : null;

    /// <summary>The p-value against independent models (<see cref="NullModelPValue"/>), or null when uncalibrated.</summary>
    public (double PValue, string Basis)? ModelPValue(double score) => IsCalibrated ? NullModelPValue.Compute(score, NullScores, Direction) : null;
}
