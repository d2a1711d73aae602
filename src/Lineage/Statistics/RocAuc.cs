namespace Lineage.Statistics;

/// <summary>Area under the ROC curve by the Mann–Whitney statistic: the probability that a random
/// stolen model scores as more likely stolen than a random independent one, ties counting 1/2
/// (the AUC used by SAC §4.1, CAE and UAP to compare methods).</summary>
public static class RocAuc
{
    /// <summary>Exact AUC in O(n log n). 1 means perfect separation, 0.5 a coin toss, 0 perfectly inverted.</summary>
    /// <param name="positives">Scores of stolen (derived) models.</param>
    /// <param name="negatives">Scores of independent models.</param>
    /// <param name="direction">Which end of the score means stolen.</param>
    /// <exception cref="ArgumentException">Either list is empty or holds a non-finite score.</exception>
    public static double Compute(IReadOnlyList<double> positives, IReadOnlyList<double> negatives, ScoreDirection direction)
    {
        ScoreValidation.RequireScores(positives, nameof(positives), "positive (stolen)");
        ScoreValidation.RequireScores(negatives, nameof(negatives), "negative (independent)");
        return FromGroups(OrientedScoreGroups.Descending(positives, negatives, direction), positives.Count, negatives.Count);
    }

    internal static double FromGroups(List<ScoreGroup> descending, int positiveCount, int negativeCount)
    {
        // Count twice the wins so the 1/2 for ties stays an integer; the sum is exact below 2^63.
        long twiceWins = 0, positivesAbove = 0;
        foreach (var g in descending)
        {
            twiceWins += (long)g.Negatives * (2 * positivesAbove + g.Positives);
            positivesAbove += g.Positives;
        }
        return twiceWins / (2.0 * positiveCount * negativeCount);
    }
}
