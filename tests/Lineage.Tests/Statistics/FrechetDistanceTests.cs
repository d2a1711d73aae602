using Lineage.Engine;
using Lineage.Statistics;

namespace Lineage.Tests.Statistics;

public sealed class FrechetDistanceTests
{
    static float[] Gaussian(int n, int dim, int seed, float scale = 1f, float shift = 0f)
    {
        var gen = new Generator(seed);
        var x = new float[n * dim];
        for (int i = 0; i < x.Length; i++) x[i] = (float)gen.NextNormal() * scale * (1 + i % dim) + shift;
        return x;
    }

    [Fact]
    public void ASetIsAtDistanceZeroFromItself()
    {
        var x = Gaussian(300, 5, 1);
        Assert.Equal(0, FrechetDistance.Between(x, x, 5), 6);
    }

    [Fact]
    public void AShiftAddsItsSquaredLength()
    {
        var x = Gaussian(300, 4, 2);
        var y = x.Select(v => v + 0.5f).ToArray();   // same covariance, mean moved by 0.5 in each of 4 dims
        Assert.Equal(4 * 0.25, FrechetDistance.Between(x, y, 4), 3);
    }

    [Fact]
    public void ScalingByTwoCostsTheTraceOfTheCovariance()
    {
        // Σ₂ = 4Σ₁ with the same mean: tr Σ₁ + 4 tr Σ₁ − 2 tr(2Σ₁) = tr Σ₁
        var x = Gaussian(400, 3, 3);
        var (mean, cov) = FrechetDistance.MeanCovariance(x, 3);
        var y = new float[x.Length];
        for (int i = 0; i < x.Length; i++) y[i] = (float)(mean[i % 3] + 2 * (x[i] - mean[i % 3]));
        double trace = cov[0, 0] + cov[1, 1] + cov[2, 2];
        Assert.Equal(trace, FrechetDistance.Between(x, y, 3), 2);
    }

    [Fact]
    public void EigenDecompositionReconstructsTheMatrix()
    {
        double[,] a = { { 4, 1, 0.5 }, { 1, 3, 0.2 }, { 0.5, 0.2, 1 } };
        var (values, v) = SymmetricEigen.Decompose(a);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                double s = 0;
                for (int k = 0; k < 3; k++) s += v[i, k] * values[k] * v[j, k];
                Assert.Equal(a[i, j], s, 10);
            }
    }

    [Fact]
    public void TooFewVectorsAreRefused() =>
        Assert.Throws<ArgumentException>(() => FrechetDistance.Between([1f, 2f], [1f, 2f, 3f, 4f], 2));
}
