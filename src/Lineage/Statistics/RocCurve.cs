namespace Lineage.Statistics;

/// <summary>One operating point: flagging every score at or beyond <see cref="Threshold"/> (in the
/// score's own direction) gives these rates.</summary>
/// <param name="FalsePositiveRate">Share of independent models flagged.</param>
/// <param name="TruePositiveRate">Share of stolen models flagged.</param>
/// <param name="Threshold">The threshold in raw score units; ±∞ for the (0, 0) point that flags nothing.</param>
public readonly record struct RocPoint(double FalsePositiveRate, double TruePositiveRate, double Threshold);

/// <summary>The empirical ROC curve, one point per distinct score, from (0, 0) to (1, 1), for plotting;
/// its trapezoidal area equals the Mann–Whitney <see cref="RocAuc"/> (ties give diagonal segments).</summary>
public sealed class RocCurve
{
    RocCurve(IReadOnlyList<RocPoint> points, double auc, ScoreDirection direction, int positiveCount, int negativeCount)
    {
        Points = points;
        Auc = auc;
        Direction = direction;
        PositiveCount = positiveCount;
        NegativeCount = negativeCount;
    }

    /// <summary>Points in order of decreasing strictness: first (0, 0), last (1, 1).</summary>
    public IReadOnlyList<RocPoint> Points { get; }

    /// <summary>The Mann–Whitney AUC, ties counting 1/2.</summary>
    public double Auc { get; }

    public ScoreDirection Direction { get; }
    public int PositiveCount { get; }
    public int NegativeCount { get; }

    /// <summary>Builds the curve in O(n log n).</summary>
    /// <exception cref="ArgumentException">Either list is empty or holds a non-finite score.</exception>
    public static RocCurve Compute(IReadOnlyList<double> positives, IReadOnlyList<double> negatives, ScoreDirection direction)
    {
        ScoreValidation.RequireScores(positives, nameof(positives), "positive (stolen)");
        ScoreValidation.RequireScores(negatives, nameof(negatives), "negative (independent)");
        var groups = OrientedScoreGroups.Descending(positives, negatives, direction);

        var points = new List<RocPoint>(groups.Count + 1) { new(0.0, 0.0, direction.FlagNothingThreshold()) };
        long truePositives = 0, falsePositives = 0;
        foreach (var g in groups)
        {
            truePositives += g.Positives;
            falsePositives += g.Negatives;
            points.Add(new RocPoint(
                (double)falsePositives / negatives.Count,
                (double)truePositives / positives.Count,
                direction.FromOriented(g.OrientedScore)));
        }
        return new RocCurve(points, RocAuc.FromGroups(groups, positives.Count, negatives.Count), direction, positives.Count, negatives.Count);
    }
}
