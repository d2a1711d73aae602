namespace Lineage.Statistics;

/// <summary>The rank p-value of one suspect's score among null (independent) model scores; valid for any
/// score without distributional assumptions (a permutation-style test).</summary>
public static class EmpiricalPValue
{
    /// <summary>(1 + #{null at least as stolen-looking as <paramref name="score"/>}) / (1 + n_null).</summary>
    /// <remarks>The +1 counts the suspect itself among the exchangeable models under the null, so the
    /// p-value is never 0 and is valid at every level; its smallest value is 1/(n_null + 1).
    /// "At least as extreme" means null ≥ score for <see cref="ScoreDirection.HigherIsStolen"/> and
    /// null ≤ score for <see cref="ScoreDirection.LowerIsStolen"/>; ties count against the suspect.</remarks>
    /// <exception cref="ArgumentException">No nulls, or a non-finite score.</exception>
    public static double Compute(double score, IReadOnlyList<double> nullScores, ScoreDirection direction)
    {
        ScoreValidation.RequireFinite(score, nameof(score), "suspect score");
        ScoreValidation.RequireScores(nullScores, nameof(nullScores), "null (independent)");
        int asExtreme = 0;
        foreach (double s in nullScores)
            if (direction.IsFlagged(s, score)) asExtreme++;
        return (1.0 + asExtreme) / (1.0 + nullScores.Count);
    }
}
