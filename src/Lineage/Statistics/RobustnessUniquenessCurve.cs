namespace Lineage.Statistics;

/// <summary>One piece of the piecewise-constant robustness and uniqueness curves: for every threshold
/// strictly between <see cref="From"/> and <see cref="To"/> the two shares are constant.</summary>
/// <param name="From">Lower end of the threshold interval (raw score units).</param>
/// <param name="To">Upper end of the threshold interval.</param>
/// <param name="Robustness">R(t): share of stolen models flagged at t.</param>
/// <param name="Uniqueness">U(t): share of independent models not flagged at t.</param>
public readonly record struct RobustnessUniquenessSegment(double From, double To, double Robustness, double Uniqueness)
{
    public double Width => To - From;
    public double MinRobustnessUniqueness => Math.Min(Robustness, Uniqueness);
}

/// <summary>Robustness and uniqueness as functions of the threshold, and the area under their minimum
/// (ARUC; IPGuard (Cao et al. 2021), used by NaturalFinger §4.1).</summary>
/// <remarks>
/// For <see cref="ScoreDirection.HigherIsStolen"/>: R(t) = share of positives with score ≥ t and
/// U(t) = share of negatives with score &lt; t. For <see cref="ScoreDirection.LowerIsStolen"/> the direction
/// maps both: R(t) = share of positives with score ≤ t, U(t) = share of negatives with score &gt; t. In both
/// cases ARUC = (1 / (High − Low)) ∫_Low^High min(R(t), U(t)) dt, so it lies in [0, 1] whatever the range;
/// with the default [0, 1] range and matching rates this is exactly IPGuard's ARUC. Both curves are step
/// functions that change only at observed scores, so the integral is summed exactly over those breakpoints
/// (values at the breakpoints themselves have measure zero). Scores outside the range are allowed: they
/// shift the curves' constant level inside the range but add no breakpoints.
/// </remarks>
public sealed class RobustnessUniquenessCurve
{
    RobustnessUniquenessCurve(IReadOnlyList<RobustnessUniquenessSegment> segments, double aruc, ScoreRange range, ScoreDirection direction)
    {
        Segments = segments;
        Aruc = aruc;
        Range = range;
        Direction = direction;
    }

    /// <summary>Segments covering the range in increasing threshold order, without gaps.</summary>
    public IReadOnlyList<RobustnessUniquenessSegment> Segments { get; }

    /// <summary>Area under min(R, U), normalised by the range length; 1 means some threshold band of the
    /// whole range separates perfectly, which only happens when all scores sit at the range ends.</summary>
    public double Aruc { get; }

    public ScoreRange Range { get; }
    public ScoreDirection Direction { get; }

    /// <summary>Builds both curves over <see cref="ScoreRange.Unit"/> (matching rates).</summary>
    public static RobustnessUniquenessCurve Compute(IReadOnlyList<double> positives, IReadOnlyList<double> negatives, ScoreDirection direction) =>
        Compute(positives, negatives, direction, ScoreRange.Unit);

    /// <summary>Builds both curves over <paramref name="range"/> in O(n log n).</summary>
    /// <exception cref="ArgumentException">Either list is empty or holds a non-finite score.</exception>
    public static RobustnessUniquenessCurve Compute(IReadOnlyList<double> positives, IReadOnlyList<double> negatives, ScoreDirection direction, ScoreRange range)
    {
        ScoreValidation.RequireScores(positives, nameof(positives), "positive (stolen)");
        ScoreValidation.RequireScores(negatives, nameof(negatives), "negative (independent)");
        if (range.Length <= 0) throw new ArgumentException("The score range is empty; construct it with low < high.", nameof(range));

        // Work on the oriented axis, where R(t) = #(pos ≥ t) and U(t) = #(neg < t) for either direction;
        // LowerIsStolen's range [lo, hi] becomes [−hi, −lo] there.
        var pos = ScoreValidation.Oriented(positives, direction);
        var neg = ScoreValidation.Oriented(negatives, direction);
        Array.Sort(pos);
        Array.Sort(neg);
        double low = Math.Min(direction.Orient(range.Low), direction.Orient(range.High));
        double high = Math.Max(direction.Orient(range.Low), direction.Orient(range.High));

        var breakpoints = new SortedSet<double> { low, high };
        foreach (double s in pos) if (s > low && s < high) breakpoints.Add(s);
        foreach (double s in neg) if (s > low && s < high) breakpoints.Add(s);

        var oriented = new List<RobustnessUniquenessSegment>(breakpoints.Count - 1);
        double area = 0, previous = double.NaN;
        foreach (double b in breakpoints)
        {
            if (!double.IsNaN(previous))
            {
                // No score lies strictly inside (previous, b), so for every t there:
                // #(pos ≥ t) = #(pos > previous) and #(neg < t) = #(neg ≤ previous).
                double r = (double)(pos.Length - CountAtMost(pos, previous)) / pos.Length;
                double u = (double)CountAtMost(neg, previous) / neg.Length;
                oriented.Add(new RobustnessUniquenessSegment(previous, b, r, u));
                area += (b - previous) * Math.Min(r, u);
            }
            previous = b;
        }

        var segments = direction == ScoreDirection.HigherIsStolen
            ? oriented
            : oriented.AsEnumerable().Reverse().Select(s => s with { From = -s.To, To = -s.From }).ToList();
        return new RobustnessUniquenessCurve(segments, area / (high - low), range, direction);
    }

    /// <summary>Number of entries ≤ <paramref name="value"/> in an ascending array.</summary>
    static int CountAtMost(double[] ascending, double value)
    {
        int lo = 0, hi = ascending.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (ascending[mid] <= value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
