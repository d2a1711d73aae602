namespace Lineage.Statistics;

/// <summary>What an owner can claim with a bounded false-accusation rate.</summary>
/// <param name="TargetFpr">The false-positive rate allowed.</param>
/// <param name="Threshold">The threshold that achieves it (flag at or beyond, in raw score units).</param>
/// <param name="TruePositiveRate">Share of stolen models flagged at <paramref name="Threshold"/>.</param>
/// <param name="AchievedFpr">Share of independent models flagged; never above <paramref name="TargetFpr"/>.</param>
public readonly record struct TprAtFprResult(double TargetFpr, double Threshold, double TruePositiveRate, double AchievedFpr);

/// <summary>True-positive rate at a fixed false-positive rate (e.g. TPR@1%FPR, TPR@5%FPR).</summary>
public static class TprAtFpr
{
    /// <summary>The largest TPR over all thresholds whose empirical FPR on <paramref name="negatives"/> is ≤
    /// <paramref name="targetFpr"/>, with the rule "flag when the score is at or beyond the threshold" (ties flagged).</summary>
    /// <remarks>TPR and FPR both shrink as the threshold becomes stricter, so the best threshold is the least
    /// strict one that keeps the FPR within target: exactly <see cref="ThresholdCalibration.Calibrate"/> on the
    /// negatives. A positive tied with the (k+1)-th most stolen-looking negative is therefore not counted,
    /// because any threshold that flags it also flags that negative.</remarks>
    /// <exception cref="ArgumentException">Either list is empty or holds a non-finite score.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="targetFpr"/> outside [0, 1).</exception>
    public static TprAtFprResult Compute(IReadOnlyList<double> positives, IReadOnlyList<double> negatives, double targetFpr, ScoreDirection direction)
    {
        ScoreValidation.RequireScores(positives, nameof(positives), "positive (stolen)");
        var calibrated = ThresholdCalibration.Calibrate(negatives, targetFpr, direction);
        double tpr = FingerprintRetention.Compute(positives, calibrated.Threshold, direction);
        return new TprAtFprResult(targetFpr, calibrated.Threshold, tpr, calibrated.AchievedFpr);
    }
}
