using Lineage.Statistics;

namespace Lineage.Tests.Statistics;

public class RetentionAndMarginTests
{
    [Fact]
    public void RetentionCountsScoresAtTheThreshold()
    {
        // CAE verifies when p_ret ≥ θ, so the two 0.7s are retained.
        Assert.Equal(0.75, FingerprintRetention.Compute([0.6, 0.7, 0.7, 0.9], 0.7, ScoreDirection.HigherIsStolen));
        Assert.Equal(2.0 / 3.0, FingerprintRetention.Compute([0.1, 0.3, 0.5], 0.3, ScoreDirection.LowerIsStolen));
    }

    [Fact]
    public void RetentionRejectsBadInput()
    {
        Assert.Throws<ArgumentException>(() => FingerprintRetention.Compute([], 0.7, ScoreDirection.HigherIsStolen));
        Assert.Throws<ArgumentException>(() => FingerprintRetention.Compute([0.5], double.NaN, ScoreDirection.HigherIsStolen));
    }

    [Fact]
    public void MarginIsPositiveMinusMirrorNegative()
    {
        var m = MatchingRateMargin.Compute([0.9, 0.8], [0.3, 0.85], ScoreDirection.HigherIsStolen);
        Assert.Equal(0.6, m.Margins[0], 14);
        Assert.Equal(-0.05, m.Margins[1], 14);
        Assert.Equal(0.275, m.Mean, 14);
    }

    [Fact]
    public void DistanceMarginIsOrientedTowardStolen()
    {
        var m = MatchingRateMargin.Compute([0.1, 0.4], [0.5, 0.3], ScoreDirection.LowerIsStolen);
        Assert.Equal(0.4, m.Margins[0], 14);
        Assert.Equal(-0.1, m.Margins[1], 14);
        Assert.Equal(0.15, m.Mean, 14);
    }

    [Fact]
    public void MarginNeedsPairedLists()
    {
        var e = Assert.Throws<ArgumentException>(() => MatchingRateMargin.Compute([0.9, 0.8], [0.3], ScoreDirection.HigherIsStolen));
        Assert.Contains("2 positives and 1 mirror negatives", e.Message);
        Assert.Throws<ArgumentException>(() => MatchingRateMargin.Compute([], [], ScoreDirection.HigherIsStolen));
    }
}
