using Lineage.Statistics;

namespace Lineage.Tests.Statistics;

public class NullModelPValueTests
{
    [Fact]
    public void IsTheStudentTPredictionForOneNewNullModel()
    {
        // nulls 0, 1, 2: mean 1, sd 1, n = 3; a score of 3 gives t = 2 / √(4/3) on 2 df, whose tail has a closed form
        var (p, basis) = NullModelPValue.Compute(3, [0, 1, 2], ScoreDirection.HigherIsStolen);
        double t = 2 / Math.Sqrt(4.0 / 3);
        Assert.Equal(0.5 - t / (2 * Math.Sqrt(2 + t * t)), p, 12);
        Assert.StartsWith("Student-t prediction from the 3 null models' scores", basis);
        // a distance is stolen-looking when low: the mirror image gives the same p-value
        Assert.Equal(p, NullModelPValue.Compute(-1, [0, 1, 2], ScoreDirection.LowerIsStolen).PValue, 12);
        // the null mean itself is a coin flip
        Assert.Equal(0.5, NullModelPValue.Compute(1, [0, 1, 2], ScoreDirection.HigherIsStolen).PValue, 12);
    }

    [Fact]
    public void WithoutASpreadToModelItFallsBackToTheRank()
    {
        var (one, basis) = NullModelPValue.Compute(0.9, [0.3], ScoreDirection.HigherIsStolen);
        Assert.Equal(0.5, one);
        Assert.Contains("one null model", basis);
        Assert.Equal(1.0 / 4, NullModelPValue.Compute(0.9, [0.3, 0.3, 0.3], ScoreDirection.HigherIsStolen).PValue);
        Assert.Throws<ArgumentException>(() => NullModelPValue.Compute(0.5, [], ScoreDirection.HigherIsStolen));
    }

    /// <summary>When independent models' scores are normal, a new independent model gets p ≤ α with probability α, for
    /// any number of null models: the property the stated false-positive rate rests on.</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(19)]
    public void HoldsItsLevelForNormalNullModels(int nulls)
    {
        var random = new Random(nulls);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        const int trials = 20_000;
        int[] rejected = new int[3];
        double[] alphas = [0.01, 0.05, 0.2];
        for (int i = 0; i < trials; i++)
        {
            var sample = Enumerable.Range(0, nulls).Select(_ => 0.3 + 0.05 * Normal()).ToArray();
            double p = NullModelPValue.Compute(0.3 + 0.05 * Normal(), sample, ScoreDirection.HigherIsStolen).PValue;
            for (int a = 0; a < alphas.Length; a++) if (p <= alphas[a]) rejected[a]++;
        }
        for (int a = 0; a < alphas.Length; a++)
        {
            double rate = (double)rejected[a] / trials, se = Math.Sqrt(alphas[a] * (1 - alphas[a]) / trials);
            Assert.True(Math.Abs(rate - alphas[a]) < 4 * se, $"{nulls} nulls: p ≤ {alphas[a]} in {rate:0.####} of trials");
        }
    }
}
