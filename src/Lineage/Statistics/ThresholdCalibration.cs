namespace Lineage.Statistics;

/// <summary>Chooses a verification threshold from the scores of independent (null) models so that
/// the empirical false-positive rate stays within a target — the principled replacement for CAE's
/// empirically chosen θ = 0.7 (CAE §6.3).</summary>
public static class ThresholdCalibration
{
    /// <summary>The least strict threshold whose empirical FPR on <paramref name="nullScores"/> is ≤ <paramref name="targetFpr"/>.</summary>
    /// <remarks>
    /// With m nulls, at most k = ⌊targetFpr·m⌋ of them may be flagged. Let v be the (k+1)-th most
    /// stolen-looking null score; any threshold at or before v flags k+1 nulls, so the threshold is the
    /// next representable number beyond v (<see cref="Math.BitIncrement"/> for
    /// <see cref="ScoreDirection.HigherIsStolen"/>, <see cref="Math.BitDecrement"/> for
    /// <see cref="ScoreDirection.LowerIsStolen"/>). Nulls tied with v stay unflagged, so the achieved FPR can
    /// fall below k/m. This is conservative with few nulls: the smallest nonzero achievable FPR is 1/m,
    /// so with 20 nulls a 1% target gives k = 0 and means "beyond every null".
    /// </remarks>
    /// <exception cref="ArgumentException">No nulls, or a non-finite null score.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="targetFpr"/> outside [0, 1).</exception>
    public static CalibratedThreshold Calibrate(IReadOnlyList<double> nullScores, double targetFpr, ScoreDirection direction)
    {
        ScoreValidation.RequireScores(nullScores, nameof(nullScores), "null (independent)");
        ScoreValidation.RequireTargetFpr(targetFpr, nameof(targetFpr));

        int m = nullScores.Count;
        // The tolerance keeps products such as 0.29 * 100 = 28.999999999999996 from losing a whole null.
        int allowed = Math.Min(m - 1, (int)Math.Floor(targetFpr * m + 1e-9));
        var (threshold, flagged) = BeyondRank(nullScores, direction, allowed);
        return new CalibratedThreshold(threshold, targetFpr, (double)flagged / m, m, direction);
    }

    /// <summary>The threshold just beyond the (<paramref name="rank"/>+1)-th most stolen-looking null score (0 = the most),
    /// so that it and every null tied with it stay unflagged, and how many nulls that threshold flags.</summary>
    internal static (double Threshold, int Flagged) BeyondRank(IReadOnlyList<double> nullScores, ScoreDirection direction, int rank)
    {
        var oriented = ScoreValidation.Oriented(nullScores, direction);
        Array.Sort(oriented);
        Array.Reverse(oriented);
        double orientedThreshold = Math.BitIncrement(oriented[rank]);
        int flagged = 0;
        while (flagged < oriented.Length && oriented[flagged] >= orientedThreshold) flagged++;
        return (direction.FromOriented(orientedThreshold), flagged);
    }
}
