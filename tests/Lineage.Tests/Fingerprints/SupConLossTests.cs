using Lineage.Engine;
using Lineage.Fingerprints.Uap;

namespace Lineage.Tests.Fingerprints;

public class SupConLossTests
{
    [Fact]
    public void MatchesAHandComputedValue()
    {
        // Four 2-d vectors, labels 0 0 1 1, τ = 0.5. Normalised: z0 = (1,0), z1 = (0.6,0.8), z2 = (0,1), z3 = (−1,0).
        float[] f = [2f, 0f, 3f, 4f, 0f, 5f, -1f, 0f];
        int[] labels = [0, 0, 1, 1];
        // Dots: z0·z1 = 0.6, z0·z2 = 0, z0·z3 = −1, z1·z2 = 0.8, z1·z3 = −0.6, z2·z3 = 0. Each anchor has one positive:
        //   ℓ_i = −log( e^{d(i,p)/τ} / Σ_{a≠i} e^{d(i,a)/τ} ), L = mean over the 4 anchors.
        double T(double d) => Math.Exp(d / 0.5);
        double l0 = -Math.Log(T(0.6) / (T(0.6) + T(0) + T(-1)));
        double l1 = -Math.Log(T(0.6) / (T(0.6) + T(0.8) + T(-0.6)));
        double l2 = -Math.Log(T(0) / (T(0) + T(0.8) + T(0)));
        double l3 = -Math.Log(T(0) / (T(-1) + T(-0.6) + T(0)));
        double expected = (l0 + l1 + l2 + l3) / 4;
        var loss = SupConLoss.Compute(Tensor.FromArray(f, 4, 2), labels, 0.5f).Item();
        Assert.Equal(expected, loss, 5);
    }

    [Fact]
    public void AveragesOverEveryPositiveOfAnAnchor()
    {
        // Three samples of label 0 and one of label 1 (no positive: not an anchor). τ = 1.
        float[] f = [1f, 0f, 0f, 1f, 1f, 1f, -1f, 0f];
        int[] labels = [0, 0, 0, 1];
        var z = new[] { (1.0, 0.0), (0.0, 1.0), (Math.Sqrt(0.5), Math.Sqrt(0.5)), (-1.0, 0.0) };
        double Dot(int a, int b) => z[a].Item1 * z[b].Item1 + z[a].Item2 * z[b].Item2;
        double total = 0;
        for (int i = 0; i < 3; i++)
        {
            double denominator = Enumerable.Range(0, 4).Where(a => a != i).Sum(a => Math.Exp(Dot(i, a)));
            var positives = Enumerable.Range(0, 3).Where(p => p != i).ToList();
            total += -positives.Average(p => Math.Log(Math.Exp(Dot(i, p)) / denominator));
        }
        Assert.Equal(total / 3, SupConLoss.Compute(Tensor.FromArray(f, 4, 2), labels, 1f).Item(), 5);
    }

    [Fact]
    public void GradientMatchesFiniteDifferences()
    {
        var gen = new Generator(3);
        var x = Tensor.Randn(gen, 6, 3).ClonePersistent();
        int[] labels = [0, 1, 0, 1, 1, 0];
        var xv = x.Detach().RequireGrad();
        var grad = Autograd.Grad(SupConLoss.Compute(xv, labels, 0.3f), [xv])[0].ToArray();
        var data = x.ToArray();
        const float h = 1e-2f;
        for (int i = 0; i < data.Length; i++)
        {
            double Loss(float delta)
            {
                var copy = (float[])data.Clone(); copy[i] += delta;
                using var _ = GradMode.NoGrad();
                return SupConLoss.Compute(Tensor.FromArray(copy, 6, 3), labels, 0.3f).Item();
            }
            double numeric = (Loss(h) - Loss(-h)) / (2 * h);
            Assert.True(Math.Abs(numeric - grad[i]) < 2e-3 + 2e-2 * Math.Abs(numeric), $"d/dx[{i}]: analytic {grad[i]}, numeric {numeric}");
        }
    }

    [Fact]
    public void NeedsAPositivePair() =>
        Assert.Throws<ArgumentException>(() => SupConLoss.Compute(Tensor.FromArray([1f, 0f, 0f, 1f], 2, 2), [0, 1], 0.2f));
}
