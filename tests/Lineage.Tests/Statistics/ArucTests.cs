using Lineage.Statistics;

namespace Lineage.Tests.Statistics;

public class ArucTests
{
    [Fact]
    public void SeparatedMatchingRatesIntegrateOverTheirBreakpoints()
    {
        // R = 1 up to 0.8, ½ on (0.8, 0.9], 0 after; U = 0 up to 0.1, ½ on (0.1, 0.2], 1 after.
        // min(R, U): ½·0.1 + 1·0.6 + ½·0.1 = 0.7.
        var curve = RobustnessUniquenessCurve.Compute([0.9, 0.8], [0.1, 0.2], ScoreDirection.HigherIsStolen);
        Assert.Equal(0.7, curve.Aruc, 14);
        Assert.Equal(
            [new RobustnessUniquenessSegment(0.0, 0.1, 1, 0), new RobustnessUniquenessSegment(0.1, 0.2, 1, 0.5),
             new RobustnessUniquenessSegment(0.2, 0.8, 1, 1), new RobustnessUniquenessSegment(0.8, 0.9, 0.5, 1),
             new RobustnessUniquenessSegment(0.9, 1.0, 0, 1)],
            curve.Segments);
    }

    [Fact]
    public void ScoresAtTheRangeEndsGiveOne()
    {
        Assert.Equal(1.0, Aruc.Compute([1.0, 1.0], [0.0, 0.0], ScoreDirection.HigherIsStolen));
    }

    [Fact]
    public void OverlapLeavesOnlyTheBandWhereBothHold()
    {
        // R = 1 below 0.6; U = ½ on (0.4, 0.8]: min is ½ on (0.4, 0.6) only.
        Assert.Equal(0.1, Aruc.Compute([0.6], [0.4, 0.8], ScoreDirection.HigherIsStolen), 14);
    }

    [Fact]
    public void IdenticalScoresLeaveNoBand()
    {
        // Below 0.5 no negative is unflagged; above it no positive is flagged.
        Assert.Equal(0.0, Aruc.Compute([0.5, 0.5], [0.5], ScoreDirection.HigherIsStolen));
    }

    [Fact]
    public void DistancesMirrorMatchingRates()
    {
        var curve = RobustnessUniquenessCurve.Compute([0.1, 0.2], [0.8, 0.9], ScoreDirection.LowerIsStolen);
        Assert.Equal(0.7, curve.Aruc, 14);
        // In raw units, R(t) = share of positives with distance ≤ t rises with t.
        Assert.Equal(new RobustnessUniquenessSegment(0.0, 0.1, 0, 1), curve.Segments[0]);
        Assert.Equal(new RobustnessUniquenessSegment(0.9, 1.0, 1, 0), curve.Segments[^1]);
        Assert.Equal(0.7, Aruc.Compute([0.9, 0.8], [0.1, 0.2], ScoreDirection.HigherIsStolen), 14);
    }

    [Fact]
    public void CallerRangeIsNormalisedToLengthOne()
    {
        // The 0.7 case scaled by 20.
        var curve = RobustnessUniquenessCurve.Compute([2, 4], [16, 18], ScoreDirection.LowerIsStolen, new ScoreRange(0, 20));
        Assert.Equal(0.7, curve.Aruc, 14);
        Assert.Equal(0.0, curve.Segments[0].From);
        Assert.Equal(20.0, curve.Segments[^1].To);
        for (int i = 1; i < curve.Segments.Count; i++) Assert.Equal(curve.Segments[i - 1].To, curve.Segments[i].From);
    }

    [Fact]
    public void ScoresOutsideTheRangeSetTheLevelInside()
    {
        Assert.Equal(1.0, Aruc.Compute([1.5], [-0.5], ScoreDirection.HigherIsStolen));
        Assert.Equal(0.0, Aruc.Compute([-0.5], [1.5], ScoreDirection.HigherIsStolen));
    }

    [Fact]
    public void InvalidInputsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => Aruc.Compute([], [0.1], ScoreDirection.HigherIsStolen));
        Assert.Throws<ArgumentException>(() => Aruc.Compute([0.1], [], ScoreDirection.HigherIsStolen));
        Assert.Throws<ArgumentException>(() => new ScoreRange(1, 1));
        Assert.Throws<ArgumentException>(() => new ScoreRange(0, double.PositiveInfinity));
        Assert.Throws<ArgumentException>(() => Aruc.Compute([0.1], [0.2], ScoreDirection.HigherIsStolen, default));
    }
}
