namespace Lineage.Statistics;

/// <summary>Fingerprint retention (CAE §3, Algorithm 1): the share of stolen models verified at a
/// threshold θ, i.e. the true-positive rate of the rule "flag when the score is at or beyond θ".</summary>
public static class FingerprintRetention
{
    /// <summary>Share of <paramref name="positives"/> flagged at <paramref name="threshold"/>; ties are
    /// verified, as in CAE's p_ret ≥ θ.</summary>
    /// <exception cref="ArgumentException">No positives, a non-finite score, or a NaN threshold.</exception>
    public static double Compute(IReadOnlyList<double> positives, double threshold, ScoreDirection direction)
    {
        ScoreValidation.RequireScores(positives, nameof(positives), "positive (stolen)");
        // ±∞ thresholds are meaningful ("flag nothing" / "flag everything"); NaN is not.
        if (double.IsNaN(threshold)) throw new ArgumentException("The threshold is NaN.", nameof(threshold));
        int verified = 0;
        foreach (double s in positives)
            if (direction.IsFlagged(s, threshold)) verified++;
        return (double)verified / positives.Count;
    }
}
