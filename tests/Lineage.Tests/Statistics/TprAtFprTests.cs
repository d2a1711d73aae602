using Lineage.Statistics;

namespace Lineage.Tests.Statistics;

public class TprAtFprTests
{
    static readonly double[] Negatives = [0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.50];
    static readonly double[] Positives = [0.30, 0.45, 0.50, 0.60, 0.80];

    [Fact]
    public void ZeroFprMeansBeyondEveryNegative()
    {
        var r = TprAtFpr.Compute(Positives, Negatives, 0.0, ScoreDirection.HigherIsStolen);
        Assert.Equal(Math.BitIncrement(0.50), r.Threshold);
        Assert.Equal(0.4, r.TruePositiveRate);
        Assert.Equal(0.0, r.AchievedFpr);
    }

    [Theory]
    [InlineData(0.10, 0.45, 0.6, 0.1)]  // one negative (0.50) may be flagged
    [InlineData(0.15, 0.45, 0.6, 0.1)]  // 1.5 negatives round down to one
    [InlineData(0.20, 0.40, 0.8, 0.2)]
    [InlineData(0.05, 0.50, 0.4, 0.0)]  // 5% of 10 negatives is less than one
    public void LargestTprWithinTarget(double target, double beyond, double tpr, double achieved)
    {
        var r = TprAtFpr.Compute(Positives, Negatives, target, ScoreDirection.HigherIsStolen);
        Assert.Equal(Math.BitIncrement(beyond), r.Threshold);
        Assert.Equal(tpr, r.TruePositiveRate);
        Assert.Equal(achieved, r.AchievedFpr);
        Assert.Equal(target, r.TargetFpr);
    }

    [Fact]
    public void PositiveTiedWithTheBoundaryNegativeIsNotCounted()
    {
        // Flagging the positive at 0.45 would also flag the negative at 0.45 (2 of 10 > 10%).
        var r = TprAtFpr.Compute([0.45], Negatives, 0.10, ScoreDirection.HigherIsStolen);
        Assert.Equal(0.0, r.TruePositiveRate);
    }

    [Fact]
    public void DistancesFlagAtOrBelowTheThreshold()
    {
        var r = TprAtFpr.Compute([0.5, 1.0, 2.5], [1, 2, 3, 4], 0.25, ScoreDirection.LowerIsStolen);
        Assert.Equal(Math.BitDecrement(2.0), r.Threshold);
        Assert.Equal(2.0 / 3.0, r.TruePositiveRate);
        Assert.Equal(0.25, r.AchievedFpr);
    }

    [Fact]
    public void InvalidInputsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => TprAtFpr.Compute([], Negatives, 0.05, ScoreDirection.HigherIsStolen));
        Assert.Throws<ArgumentException>(() => TprAtFpr.Compute(Positives, [], 0.05, ScoreDirection.HigherIsStolen));
        Assert.Throws<ArgumentOutOfRangeException>(() => TprAtFpr.Compute(Positives, Negatives, 1.0, ScoreDirection.HigherIsStolen));
        Assert.Throws<ArgumentOutOfRangeException>(() => TprAtFpr.Compute(Positives, Negatives, double.NaN, ScoreDirection.HigherIsStolen));
    }
}
