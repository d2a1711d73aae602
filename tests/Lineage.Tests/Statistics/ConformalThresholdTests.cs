using Lineage.Statistics;

namespace Lineage.Tests.Statistics;

public class ConformalThresholdTests
{
    static readonly double[] Nineteen = Enumerable.Range(1, 19).Select(i => i / 100.0).ToArray();

    [Fact]
    public void NineteenNullsHoldFivePercentByFlaggingBeyondTheLargest()
    {
        // m = ⌊0.05·20⌋ − 1 = 0: only scores beyond every null are flagged, and a 20th exchangeable null lands there with chance 1/20
        var c = ConformalThreshold.Calibrate(Nineteen, 0.05, ScoreDirection.HigherIsStolen);
        Assert.False(c.TooFewNulls);
        Assert.Equal(0.05, c.GuaranteedFpr, 12);
        Assert.Equal(Math.BitIncrement(0.19), c.Threshold);
        Assert.Equal(0, c.AchievedFpr);
        Assert.Equal(19, ConformalThreshold.MinimumNulls(0.05));
    }

    [Fact]
    public void ThirtyNineNullsAtFivePercentMayFlagBeyondTheSecondLargest()
    {
        var nulls = Enumerable.Range(1, 39).Select(i => (double)i).ToArray();
        var c = ConformalThreshold.Calibrate(nulls, 0.05, ScoreDirection.HigherIsStolen);
        Assert.Equal(Math.BitIncrement(38.0), c.Threshold);   // m = ⌊0.05·40⌋ − 1 = 1
        Assert.Equal(0.05, c.GuaranteedFpr, 12);
        Assert.Equal(1.0 / 39, c.AchievedFpr, 12);
    }

    [Fact]
    public void TooFewNullsGuaranteeOneOverNPlusOne()
    {
        var c = ConformalThreshold.Calibrate([0.3, 0.1, 0.2], 0.05, ScoreDirection.LowerIsStolen);
        Assert.True(c.TooFewNulls);
        Assert.Equal(0.25, c.GuaranteedFpr, 12);
        Assert.Equal(Math.BitDecrement(0.1), c.Threshold);
    }

    /// <summary>The guarantee, checked by simulation: calibrate on n draws, test on a fresh draw from the same distribution.</summary>
    [Theory]
    [InlineData(19, 0.05)]
    [InlineData(30, 0.1)]
    [InlineData(99, 0.01)]
    public void TheFalsePositiveRateHoldsOnFreshNullModels(int n, double fpr)
    {
        var rng = new Random(7);
        int trials = 20000, flagged = 0;
        for (int t = 0; t < trials; t++)
        {
            var nulls = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
            var c = ConformalThreshold.Calibrate(nulls, fpr, ScoreDirection.HigherIsStolen);
            if (ScoreDirection.HigherIsStolen.IsFlagged(rng.NextDouble(), c.Threshold)) flagged++;
        }
        double rate = (double)flagged / trials;
        // exactly (m+1)/(n+1) in expectation; 4 standard errors of slack for the simulation
        Assert.InRange(rate, 0, fpr + 4 * Math.Sqrt(fpr * (1 - fpr) / trials));
    }
}
