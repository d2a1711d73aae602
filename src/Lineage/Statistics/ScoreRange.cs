namespace Lineage.Statistics;

/// <summary>The closed range [Low, High] of thresholds over which ARUC integrates. Matching rates use
/// <see cref="Unit"/>; unbounded scores such as distances need a caller-chosen range.</summary>
public readonly record struct ScoreRange
{
    public ScoreRange(double low, double high)
    {
        if (!double.IsFinite(low) || !double.IsFinite(high) || !(low < high))
            throw new ArgumentException($"A score range needs finite bounds with low < high; got [{low}, {high}].");
        Low = low;
        High = high;
    }

    public double Low { get; }
    public double High { get; }
    public double Length => High - Low;

    /// <summary>[0, 1], the range of matching rates and fingerprint accuracies (IPGuard (Cao et al. 2021), NaturalFinger §4.1).</summary>
    public static ScoreRange Unit { get; } = new(0.0, 1.0);

    public override string ToString() => $"[{Low}, {High}]";
}
