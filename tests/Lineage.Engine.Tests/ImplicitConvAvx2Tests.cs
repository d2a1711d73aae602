using Lineage.Engine.Kernels;

namespace Lineage.Engine.Tests;

/// <summary>The implicit-GEMM convolution with AVX2 tiles (4×16 sub-tiles of the AVX-512 kernels' 8×32 tiles, 2×6 and 2×4
/// weight-gradient blocks), forced onto the Vector256 GEMM path so that AVX-512 machines check it too: on every shape of
/// <see cref="ImplicitConvTests"/> its outputs match the direct reference and its gradients the im2col path, and the fused
/// ReLU matches relu(conv) with and without a gradient.</summary>
[Collection(EngineGlobalsCollection.Name)]
public class ImplicitConvAvx2Tests
{
    static Tensor R(int seed, params int[] shape) => Tensor.Uniform(new Generator(seed), -1f, 1f, shape);

    /// <summary>run on the Vector256 GEMM path (on the padded-row or the column-shifted grid).</summary>
    static T OnAvx2<T>(bool columnShifted, Func<T> run)
    {
        var savedPath = Gemm.Path;
        Gemm.Path = GemmPath.Vector256;
        try { return ImplicitConvTests.OnGrid(columnShifted, run); }
        finally { Gemm.Path = savedPath; }
    }

    static void Close(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) < 1e-4f * (1 + MathF.Abs(expected[i])), $"{what} [{i}] {actual[i]} vs {expected[i]}");
    }

    [ImplicitGemmTheory, MemberData(nameof(ImplicitConvTests.ShapesOnBothGrids), MemberType = typeof(ImplicitConvTests))]
    public void ForwardMatchesReference(int n, int cin, int h, int w, int cout, int k, int pad, int dilation, bool bias, int stride, bool columnShifted)
    {
        int oh = ConvGeometry.OutSize(h, k, stride, pad, dilation), ow = ConvGeometry.OutSize(w, k, stride, pad, dilation);
        var geo = new ConvGeometry(cin, h, w, k, k, stride, stride, pad, pad, dilation, dilation, oh, ow);
        Assert.True(OnAvx2(columnShifted, () => ImplicitConv.Applies(geo, 1)));
        var x = R(1, n, cin, h, w); var wt = R(2, cout, cin, k, k); var b = bias ? R(3, cout) : null;
        var expected = ConvReference.Conv2d(x.ToArray(), n, cin, h, w, wt.ToArray(), cout, k, k, b?.ToArray(), stride, stride, pad, pad, dilation, dilation, 1, out _, out _);
        Tensor y, yr;
        using (GradMode.NoGrad())
        {
            y = OnAvx2(columnShifted, () => Functional.Conv2d(x, wt, b, stride, pad, dilation));
            yr = OnAvx2(columnShifted, () => Functional.Conv2dRelu(x, wt, b, (stride, stride), (pad, pad), (dilation, dilation)));
        }
        Assert.Equal(new[] { n, cout, oh, ow }, y.Shape);
        Close(expected, y.ToArray(), "conv");
        Close(expected.Select(v => MathF.Max(v, 0f)).ToArray(), yr.ToArray(), "conv+relu");
    }

    [ImplicitGemmTheory, MemberData(nameof(ImplicitConvTests.ShapesOnBothGrids), MemberType = typeof(ImplicitConvTests))]
    public void GradientsMatchIm2ColPath(int n, int cin, int h, int w, int cout, int k, int pad, int dilation, bool bias, int stride, bool columnShifted)
    {
        var x = R(4, n, cin, h, w); var wt = R(5, cout, cin, k, k); var b = bias ? R(6, cout) : null;
        (float[] Y, Tensor?[] G) Run(bool fused)
        {
            Tensor[] inputs = b != null ? [x, wt, b] : [x, wt];
            foreach (var t in inputs) t.RequiresGrad = true;
            var y = fused ? Functional.Conv2dRelu(x, wt, b, (stride, stride), (pad, pad), (dilation, dilation)) : Functional.Conv2d(x, wt, b, stride, pad, dilation).Relu();
            var upstream = R(7, y.Shape);
            return (y.ToArray(), Autograd.Grad((y * upstream).Sum(), inputs));
        }
        var fast = OnAvx2(columnShifted, () => Run(fused: true));
        ImplicitConv.Enabled = false;
        (float[] Y, Tensor?[] G) slow;
        try { slow = Run(fused: false); }
        finally { ImplicitConv.Enabled = true; }
        Close(slow.Y, fast.Y, "output");
        for (int t = 0; t < slow.G.Length; t++) Close(slow.G[t]!.ToArray(), fast.G[t]!.ToArray(), $"grad {t}");
    }

    /// <summary>The fused ReLU on the paths that are not implicit GEMM: im2col (a 1×1 pointwise layer) and depthwise.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void FusedReluMatchesReluOfConvOnOtherPaths(int groups)
    {
        var x = R(8, 2, 4, 5, 6); var wt = R(9, 4, 4 / groups, groups == 1 ? 1 : 3, groups == 1 ? 1 : 3); var b = R(10, 4);
        int pad = groups == 1 ? 0 : 1;
        using var _ = GradMode.NoGrad();
        var expected = Functional.Conv2d(x, wt, b, (1, 1), (pad, pad), (1, 1), groups).Relu().ToArray();
        var fused = Functional.Conv2dRelu(x, wt, b, (1, 1), (pad, pad), (1, 1), groups).ToArray();
        Assert.Contains(expected, v => v == 0f);
        Assert.Contains(expected, v => v > 0f);
        Assert.Equal(expected, fused);
    }

    [Fact]
    public void SequentialFusesConvolutionAndReluWithTheSameValues()
    {
        var gen = new Generator(3);
        var net = new Nn.Sequential(new Nn.Conv2d(2, 8, 3, gen, padding: 1), new Nn.ReLU(), new Nn.MaxPool2d(2));
        var x = R(11, 3, 2, 8, 8);
        var unfused = new Nn.MaxPool2d(2).Forward(((Nn.Conv2d)net[0]).Forward(x).Relu()).ToArray();
        Tensor y;
        using (GradMode.NoGrad()) y = net.Forward(x);
        Close(unfused, y.ToArray(), "no grad");
        Close(unfused, net.Forward(x).ToArray(), "with grad");
    }
}
