using Lineage.Statistics;

namespace Lineage.Tests.Statistics;

public class PValueTests
{
    static readonly double[] Nulls = [0.2, 0.3, 0.3, 0.5];

    [Theory]
    [InlineData(0.9, 1.0 / 5)]  // beyond every null: the smallest possible p-value, 1/(n+1)
    [InlineData(0.5, 2.0 / 5)]  // ties count against the suspect
    [InlineData(0.3, 4.0 / 5)]
    [InlineData(0.0, 5.0 / 5)]
    public void EmpiricalPValueCountsNullsAtLeastAsExtreme(double score, double expected)
    {
        Assert.Equal(expected, EmpiricalPValue.Compute(score, Nulls, ScoreDirection.HigherIsStolen), 15);
    }

    [Fact]
    public void EmpiricalPValueForDistancesCountsSmallerNulls()
    {
        Assert.Equal(1.0 / 5, EmpiricalPValue.Compute(0.1, Nulls, ScoreDirection.LowerIsStolen), 15);
        Assert.Equal(4.0 / 5, EmpiricalPValue.Compute(0.3, Nulls, ScoreDirection.LowerIsStolen), 15);  // 0.2 and both 0.3s
    }

    [Fact]
    public void EmpiricalPValueRejectsBadInput()
    {
        Assert.Throws<ArgumentException>(() => EmpiricalPValue.Compute(0.5, [], ScoreDirection.HigherIsStolen));
        Assert.Throws<ArgumentException>(() => EmpiricalPValue.Compute(double.NaN, Nulls, ScoreDirection.HigherIsStolen));
    }

    [Theory]
    [InlineData(-3.0)]
    [InlineData(-0.4)]
    [InlineData(0.7)]
    [InlineData(12.0)]
    public void StudentTMatchesClosedFormsForOneAndTwoDegrees(double t)
    {
        // ν = 1 is the Cauchy distribution; ν = 2 has F(t) = ½ + t / (2√(2 + t²)).
        MetricAssert.Close(0.5 + Math.Atan(t) / Math.PI, StudentT.Cdf(t, 1), 1e-13);
        MetricAssert.Close(0.5 + t / (2 * Math.Sqrt(2 + t * t)), StudentT.Cdf(t, 2), 1e-13);
        MetricAssert.Close(1.0, StudentT.Cdf(t, 3.3) + StudentT.Survival(t, 3.3), 1e-15);
        MetricAssert.Close(StudentT.Cdf(-t, 7.5), StudentT.Survival(t, 7.5), 1e-15);
    }

    [Fact]
    public void StudentTAtZeroIsOneHalfAndRejectsBadDegrees()
    {
        Assert.Equal(0.5, StudentT.Cdf(0, 4.2));
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Cdf(1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Cdf(1, double.NaN));
    }

    [Fact]
    public void WelchTestStolenPicksTheOneSidedAlternativeFromTheDirection()
    {
        double[] suspect = [0.91, 0.88, 0.95, 0.90];
        double[] independent = [0.42, 0.55, 0.38, 0.61, 0.47];
        var stolen = WelchTTest.TestStolen(suspect, independent, ScoreDirection.HigherIsStolen);
        Assert.Equal(TestAlternative.Greater, stolen.Alternative);
        Assert.Equal(WelchTTest.Test(suspect, independent, TestAlternative.Greater), stolen);
        Assert.True(stolen.PValue < 1e-3);  // scipy: 1.15e-4

        // The same numbers read as distances say the suspect looks independent.
        var asDistances = WelchTTest.TestStolen(suspect, independent, ScoreDirection.LowerIsStolen);
        Assert.Equal(TestAlternative.Less, asDistances.Alternative);
        MetricAssert.Close(1.0, asDistances.PValue + stolen.PValue, 1e-14);
    }

    [Fact]
    public void WelchTestRejectsDegenerateSamples()
    {
        Assert.Throws<ArgumentException>(() => WelchTTest.Test([1.0], [1.0, 2.0]));
        Assert.Throws<ArgumentException>(() => WelchTTest.Test([1.0, 2.0], []));
        var e = Assert.Throws<ArgumentException>(() => WelchTTest.Test([1.0, 1.0], [2.0, 2.0, 2.0]));
        Assert.Contains("zero variance", e.Message);
    }

    [Fact]
    public void BinomialTailHandCases()
    {
        Assert.Equal(0.5, BinomialTail.Upper(2, 3, 0.5), 15);     // P[X ≥ 2] for three fair coins: 4/8
        Assert.Equal(1.0, BinomialTail.Upper(0, 5, 0.2));
        Assert.Equal(1.0, BinomialTail.Upper(-3, 5, 0.2));
        Assert.Equal(0.0, BinomialTail.Upper(6, 5, 0.2));
        Assert.Equal(0.0, BinomialTail.Upper(1, 5, 0.0));
        Assert.Equal(1.0, BinomialTail.Upper(5, 5, 1.0));
        MetricAssert.Close(Math.Pow(0.2, 5), BinomialTail.Upper(5, 5, 0.2), 1e-14);
        Assert.Throws<ArgumentOutOfRangeException>(() => BinomialTail.Upper(1, -1, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => BinomialTail.Upper(1, 5, 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => BinomialTail.Upper(1, 5, double.NaN));
    }
}
