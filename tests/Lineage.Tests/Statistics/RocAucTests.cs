using Lineage.Statistics;

namespace Lineage.Tests.Statistics;

public class RocAucTests
{
    const ScoreDirection Higher = ScoreDirection.HigherIsStolen;
    const ScoreDirection Lower = ScoreDirection.LowerIsStolen;

    [Fact]
    public void PerfectSeparationGivesOne()
    {
        Assert.Equal(1.0, RocAuc.Compute([0.9, 0.8], [0.1, 0.2], Higher));
    }

    [Fact]
    public void DirectionFlipsTheSameScores()
    {
        // Read as distances, high-scoring positives look independent: perfectly inverted.
        Assert.Equal(0.0, RocAuc.Compute([0.9, 0.8], [0.1, 0.2], Lower));
        Assert.Equal(1.0, RocAuc.Compute([0.1, 0.2], [0.8, 0.9], Lower));
    }

    [Fact]
    public void IdenticalScoresGiveOneHalf()
    {
        Assert.Equal(0.5, RocAuc.Compute([0.5, 0.5], [0.5, 0.5, 0.5], Higher));
        Assert.Equal(0.5, RocAuc.Compute([0.5, 0.5], [0.5, 0.5, 0.5], Lower));
    }

    [Fact]
    public void TiesCountOneHalf()
    {
        // Pairs (pos, neg): (.3,.3) ½, (.3,.5) 0, (.5,.3) 1, (.5,.5) ½, (.7,·) 2 → 4 of 6.
        Assert.Equal(4.0 / 6.0, RocAuc.Compute([0.3, 0.5, 0.7], [0.3, 0.5], Higher), 15);
        // As distances (.3,.5) is the only win; the two ties still give ½ each: 2 of 6.
        Assert.Equal(2.0 / 6.0, RocAuc.Compute([0.3, 0.5, 0.7], [0.3, 0.5], Lower), 15);
    }

    [Fact]
    public void SingleNegative()
    {
        Assert.Equal(2.0 / 3.0, RocAuc.Compute([0.2, 0.6, 0.9], [0.5], Higher), 15);
    }

    [Fact]
    public void SinglePositive()
    {
        // 0.4 beats 0.1 and ties 0.4: 1.5 of 4.
        Assert.Equal(0.375, RocAuc.Compute([0.4], [0.1, 0.4, 0.7, 0.9], Higher));
    }

    [Fact]
    public void EmptyOrInvalidScoresAreRejected()
    {
        var empty = Assert.Throws<ArgumentException>(() => RocAuc.Compute([], [0.1], Higher));
        Assert.Contains("positive", empty.Message);
        Assert.Equal("positives", empty.ParamName);
        Assert.Throws<ArgumentException>(() => RocAuc.Compute([0.1], [], Higher));
        Assert.Throws<ArgumentException>(() => RocCurve.Compute([0.1], [], Higher));
        var nan = Assert.Throws<ArgumentException>(() => RocAuc.Compute([0.1, double.NaN], [0.2], Higher));
        Assert.Contains("index 1", nan.Message);
        Assert.Throws<ArgumentNullException>(() => RocAuc.Compute(null!, [0.2], Higher));
    }

    [Fact]
    public void CurveHasBothEndsAndOnePointPerDistinctScore()
    {
        var curve = RocCurve.Compute([0.3, 0.5, 0.7], [0.3, 0.5], Higher);
        Assert.Equal(
            [new RocPoint(0, 0, double.PositiveInfinity), new RocPoint(0, 1.0 / 3, 0.7), new RocPoint(0.5, 2.0 / 3, 0.5), new RocPoint(1, 1, 0.3)],
            curve.Points);
        Assert.Equal(4.0 / 6.0, curve.Auc, 15);
    }

    [Fact]
    public void CurveForDistancesRunsFromSmallestThreshold()
    {
        var curve = RocCurve.Compute([0.1, 0.2], [0.8, 0.9], Lower);
        Assert.Equal(
            [new RocPoint(0, 0, double.NegativeInfinity), new RocPoint(0, 0.5, 0.1), new RocPoint(0, 1, 0.2), new RocPoint(0.5, 1, 0.8), new RocPoint(1, 1, 0.9)],
            curve.Points);
        Assert.Equal(1.0, curve.Auc);
    }

    [Fact]
    public void TrapezoidAreaOfCurveEqualsMannWhitney()
    {
        var rng = new Random(7);
        var pos = Enumerable.Range(0, 60).Select(_ => Math.Round(rng.NextDouble() * 0.8 + 0.2, 1)).ToArray();
        var neg = Enumerable.Range(0, 45).Select(_ => Math.Round(rng.NextDouble() * 0.8, 1)).ToArray();
        var curve = RocCurve.Compute(pos, neg, Higher);
        double area = 0;
        for (int i = 1; i < curve.Points.Count; i++)
        {
            var (a, b) = (curve.Points[i - 1], curve.Points[i]);
            area += (b.FalsePositiveRate - a.FalsePositiveRate) * (a.TruePositiveRate + b.TruePositiveRate) / 2;
        }
        Assert.Equal(curve.Auc, area, 12);
        Assert.Equal(RocAuc.Compute(pos, neg, Higher), curve.Auc);
    }

    [Theory]
    [InlineData(ScoreDirection.HigherIsStolen)]
    [InlineData(ScoreDirection.LowerIsStolen)]
    public void MatchesPairCountingOnManyTiedScores(ScoreDirection direction)
    {
        var rng = new Random(11);
        var pos = Enumerable.Range(0, 300).Select(_ => (double)rng.Next(20)).ToArray();
        var neg = Enumerable.Range(0, 200).Select(_ => (double)rng.Next(15)).ToArray();
        double wins = 0;
        foreach (double p in pos)
            foreach (double n in neg)
                wins += p == n ? 0.5 : (direction.Orient(p) > direction.Orient(n) ? 1 : 0);
        Assert.Equal(wins / (pos.Length * neg.Length), RocAuc.Compute(pos, neg, direction), 14);
    }
}
