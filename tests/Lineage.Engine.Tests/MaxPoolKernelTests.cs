namespace Lineage.Engine.Tests;

/// <summary>The fast 2×2 max-pooling kernel against the windowed reference (the engine's habit: a slow kernel beside each fast one).</summary>
[Collection(EngineGlobalsCollection.Name)]
public class MaxPoolKernelTests
{
    static Tensor R(int seed, params int[] shape) => Tensor.Uniform(new Generator(seed), -1f, 1f, shape);

    /// <summary>The 2×2 fast path gives the windowed reference's values, indices (so gradients) and NaN rule, on odd
    /// sizes (floor mode drops the last row and column), ties and NaNs, with and without a gradient to route.</summary>
    [Theory]
    [InlineData(3, 4, 28, 28)]
    [InlineData(2, 3, 7, 9)]
    [InlineData(1, 2, 2, 3)]
    public void TwoByTwoMatchesWindowedReference(int n, int c, int h, int w)
    {
        var x = R(11, n, c, h, w);
        var d = x.Data;
        for (int i = 0; i < d.Length; i += 7) d[i] = MathF.Round(d[i] * 2) / 2;   // ties
        d[5] = float.NaN; d[d.Length - 3] = float.NaN;
        var gy = R(12, n, c, h / 2, w / 2);
        (float[] Y, float[] G, float[] Y0) Run(bool fast)
        {
            Kernels.MaxPoolKernels.FastPathEnabled = fast;
            try
            {
                var xg = x.Clone().RequireGrad();
                var y = Functional.MaxPool2d(xg, 2);
                var g = Autograd.Grad((y * gy).Sum(), [xg])[0];
                Tensor y0;
                using (GradMode.NoGrad()) y0 = Functional.MaxPool2d(x, 2);
                return (y.ToArray(), g.ToArray(), y0.ToArray());
            }
            finally { Kernels.MaxPoolKernels.FastPathEnabled = true; }
        }
        var (yRef, gRef, y0Ref) = Run(false);
        var (yFast, gFast, y0Fast) = Run(true);
        Assert.Contains(yRef, float.IsNaN);
        Assert.Equal(yRef, yFast);
        Assert.Equal(y0Ref, y0Fast);
        Assert.Equal(yRef, y0Fast);
        Assert.Equal(gRef, gFast);
    }
}
