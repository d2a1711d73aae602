namespace Lineage.Statistics;

/// <summary>A threshold set by <see cref="ConformalThreshold.Calibrate"/>.</summary>
/// <param name="GuaranteedFpr">The false-positive rate the rule guarantees for a new null model exchangeable with the
/// calibration models: the target when there are enough of them, else 1/(n+1).</param>
/// <param name="AchievedFpr">The share of the calibration models themselves that the threshold flags.</param>
public sealed record ConformalCalibration(double Threshold, double TargetFpr, double GuaranteedFpr, double AchievedFpr, int NullCount, ScoreDirection Direction)
{
    public bool TooFewNulls => GuaranteedFpr > TargetFpr + 1e-12;
}

/// <summary>
/// The conformal rank rule: flag a suspect when at most m of the n null models score at least as stolen-looking
/// as it does, with m = ⌊α(n+1)⌋ − 1. If the suspect is itself a null model exchangeable with the n, its rank
/// among the n+1 is uniform, so it is flagged with probability at most (m+1)/(n+1) ≤ α — a guarantee for
/// models calibration never saw, which an empirical quantile of the nulls (flag beyond the ⌊αn⌋-th) does not give.
/// It needs n ≥ 1/α − 1 nulls; with fewer the rule flags only scores beyond every null and guarantees 1/(n+1).
/// </summary>
public static class ConformalThreshold
{
    /// <summary>The fewest null models for which the rule can hold <paramref name="targetFpr"/>.</summary>
    public static int MinimumNulls(double targetFpr)
    {
        ScoreValidation.RequireTargetFpr(targetFpr, nameof(targetFpr));
        return targetFpr <= 0 ? int.MaxValue : (int)Math.Ceiling(1 / targetFpr - 1 - 1e-9);
    }

    public static ConformalCalibration Calibrate(IReadOnlyList<double> nullScores, double targetFpr, ScoreDirection direction)
    {
        ScoreValidation.RequireScores(nullScores, nameof(nullScores), "null (independent)");
        ScoreValidation.RequireTargetFpr(targetFpr, nameof(targetFpr));
        int n = nullScores.Count;
        // the tolerance keeps products such as 0.05 * 20 = 0.9999999999999999 from losing a whole null
        int m = Math.Clamp((int)Math.Floor(targetFpr * (n + 1) + 1e-9) - 1, 0, n - 1);
        var (threshold, flagged) = ThresholdCalibration.BeyondRank(nullScores, direction, m);
        return new ConformalCalibration(threshold, targetFpr, (m + 1.0) / (n + 1), (double)flagged / n, n, direction);
    }
}
