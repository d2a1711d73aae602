using Lineage.Engine;
using Lineage.Engine.Kernels;

namespace Lineage.Engine.Tests;

/// <summary>The implicit-GEMM convolution against the im2col path at the shapes a real CNN uses
/// (batch 64, 28×28 and 14×14 planes), gradients with respect to input and weight included.</summary>
[Collection(GlobalStateCollection.Name)]
public class ImplicitConvRegressionTests
{
    [ImplicitGemmTheory]
    [InlineData(64, 1, 16, 28)]
    [InlineData(64, 16, 32, 14)]
    [InlineData(7, 3, 8, 9)]
    public void MatchesTheIm2ColPathAtModelShapes(int n, int cin, int cout, int size)
    {
        var gen = new Generator(n + cin);
        var x = Tensor.Uniform(gen, -1f, 1f, n, cin, size, size);
        var w = Tensor.Uniform(gen, -0.3f, 0.3f, cout, cin, 3, 3);
        var b = Tensor.Uniform(gen, -0.1f, 0.1f, cout);
        var up = Tensor.Uniform(gen, -1f, 1f, n, cout, size, size);
        (float[] y, float[] gx, float[] gw, float[] gb) Run(bool implicitPath)
        {
            bool saved = ImplicitConv.Enabled;
            ImplicitConv.Enabled = implicitPath;
            try
            {
                var xi = x.Detach().RequireGrad(); var wi = w.Detach().RequireGrad(); var bi = b.Detach().RequireGrad();
                var y = Functional.Conv2d(xi, wi, bi, padding: 1);
                var g = Autograd.Grad(y, [xi, wi, bi], up);
                return (y.ToArray(), g[0].ToArray(), g[1].ToArray(), g[2].ToArray());
            }
            finally { ImplicitConv.Enabled = saved; }
        }
        var fast = Run(true); var slow = Run(false);
        AssertClose(slow.y, fast.y, "output");
        AssertClose(slow.gx, fast.gx, "input gradient");
        AssertClose(slow.gw, fast.gw, "weight gradient");
        AssertClose(slow.gb, fast.gb, "bias gradient");
    }

    static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(v => Math.Abs((double)v)) + 1e-6;
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * scale + 1e-5, $"{what}[{i}]: im2col {expected[i]} vs implicit {actual[i]}");
    }
}
