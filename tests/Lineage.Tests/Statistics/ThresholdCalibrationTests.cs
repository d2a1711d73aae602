using Lineage.Statistics;

namespace Lineage.Tests.Statistics;

public class ThresholdCalibrationTests
{
    static readonly double[] TwentyNulls = Enumerable.Range(1, 20).Select(i => i / 100.0).ToArray();

    [Fact]
    public void OnePercentOfTwentyNullsMeansBeyondEveryNull()
    {
        var c = ThresholdCalibration.Calibrate(TwentyNulls, 0.01, ScoreDirection.HigherIsStolen);
        Assert.Equal(Math.BitIncrement(0.20), c.Threshold);
        Assert.Equal(0.0, c.AchievedFpr);
        Assert.Equal(20, c.NullCount);
        Assert.False(c.IsFlagged(0.20));
        Assert.True(c.IsFlagged(0.2000001));
    }

    [Fact]
    public void FivePercentOfTwentyNullsAllowsExactlyOne()
    {
        var c = ThresholdCalibration.Calibrate(TwentyNulls, 0.05, ScoreDirection.HigherIsStolen);
        Assert.Equal(Math.BitIncrement(0.19), c.Threshold);
        Assert.Equal(0.05, c.AchievedFpr);
        Assert.True(c.IsFlagged(0.20));
    }

    [Fact]
    public void FloatingPointProductDoesNotLoseANull()
    {
        // 0.29 * 100 is 28.999999999999996 in binary floating point; 29 nulls may still be flagged.
        var nulls = Enumerable.Range(0, 100).Select(i => (double)i).ToArray();
        var c = ThresholdCalibration.Calibrate(nulls, 0.29, ScoreDirection.HigherIsStolen);
        Assert.Equal(0.29, c.AchievedFpr);
        Assert.Equal(Math.BitIncrement(70.0), c.Threshold);
    }

    [Fact]
    public void TiedNullsStayTogetherOnTheSafeSide()
    {
        // Flagging one of the two nulls at 0.9 flags both (50% > 25%), so neither is flagged.
        var c = ThresholdCalibration.Calibrate([0.9, 0.9, 0.1, 0.2], 0.25, ScoreDirection.HigherIsStolen);
        Assert.Equal(0.0, c.AchievedFpr);
        Assert.False(c.IsFlagged(0.9));
    }

    [Fact]
    public void DistanceThresholdSitsJustBelowTheClosestNull()
    {
        var c = ThresholdCalibration.Calibrate([3.0, 1.5, 2.0, 4.0], 0.0, ScoreDirection.LowerIsStolen);
        Assert.Equal(Math.BitDecrement(1.5), c.Threshold);
        Assert.True(c.IsFlagged(1.4));
        Assert.False(c.IsFlagged(1.5));
    }

    [Fact]
    public void InvalidInputsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => ThresholdCalibration.Calibrate([], 0.05, ScoreDirection.HigherIsStolen));
        Assert.Throws<ArgumentException>(() => ThresholdCalibration.Calibrate([double.PositiveInfinity], 0.05, ScoreDirection.HigherIsStolen));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThresholdCalibration.Calibrate(TwentyNulls, -0.01, ScoreDirection.HigherIsStolen));
    }
}
