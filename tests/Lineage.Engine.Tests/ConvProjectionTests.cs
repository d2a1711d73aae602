using Lineage.Engine.Kernels;

namespace Lineage.Engine.Tests;

/// <summary>A convolution with the 1×1 projection of its input computed from its own grid (a downsampling residual
/// block's first layer and shortcut): both results against the two convolutions run apart and the direct reference.</summary>
[Collection(EngineGlobalsCollection.Name)]
public class ConvProjectionTests
{
    static Tensor R(int seed, params int[] shape) => Tensor.Uniform(new Generator(seed), -1f, 1f, shape);

    public static IEnumerable<object[]> Shapes() => new object[][]
    {
        // n, cin, h, w, cout, projection channels, k, pad, stride, bias, relu, column-shifted grid (stride 1)
        [2, 16, 32, 32, 32, 32, 3, 1, 2, false, true, false], // ResNet-20's stage-2 entry: tap (1, 1) is phase (1, 1)
        [2, 32, 16, 16, 64, 64, 3, 1, 2, false, true, false], // stage-3 entry: 8×8 outputs on a 9-wide grid
        [3, 5, 9, 11, 6, 10, 3, 1, 2, true, false, false],    // odd sizes; more projection channels than outputs, neither a multiple of 8
        [2, 4, 14, 13, 6, 3, 5, 2, 2, true, true, false],     // 5×5 window: tap (2, 2) is phase (0, 0) one row and column in
        [2, 8, 10, 10, 12, 4, 3, 1, 1, true, true, false],    // stride 1 on the padded rows
        [2, 8, 8, 8, 12, 4, 3, 1, 1, false, false, true],     // stride 1 on the column-shifted copies
    }.SelectMany(row => (Gemm.Path == GemmPath.Vector512 ? new[] { true, false } : [false]).Select(avx512 => (object[])[.. row, avx512]));

    static T On<T>(bool avx512, bool columnShifted, Func<T> run)
    {
        var savedPath = Gemm.Path;
        int savedShift = ImplicitConv.ShiftedWasteDivisor;
        bool savedWinograd = Winograd.Enabled;
        Gemm.Path = avx512 ? GemmPath.Vector512 : GemmPath.Vector256;
        ImplicitConv.ShiftedWasteDivisor = columnShifted ? 1 << 20 : 0;
        Winograd.Enabled = false;
        try { return run(); }
        finally { Gemm.Path = savedPath; ImplicitConv.ShiftedWasteDivisor = savedShift; Winograd.Enabled = savedWinograd; }
    }

    [ImplicitGemmTheory, MemberData(nameof(Shapes))]
    public void BothResultsEqualTheTwoConvolutions(int n, int cin, int h, int w, int cout, int m, int k, int pad, int stride, bool bias, bool relu, bool columnShifted, bool avx512)
    {
        var x = R(1, n, cin, h, w); var wt = R(2, cout, cin, k, k); var b = bias ? R(3, cout) : null;
        var pw = R(4, m, cin, 1, 1); var pb = bias ? R(5, m) : null;
        var (y, p, fused, yApart, pApart) = On(avx512, columnShifted, () =>
        {
            using var noGrad = GradMode.NoGrad();
            bool fuses = Functional.FusesProjection(x, wt, b, (stride, stride), (pad, pad), pw, pb, out _);
            var (y, p) = Functional.Conv2dWithProjection(x, wt, b, (stride, stride), (pad, pad), pw, pb, relu);
            var yApart = relu ? Functional.Conv2dRelu(x, wt, b, (stride, stride), (pad, pad), (1, 1)) : Functional.Conv2d(x, wt, b, stride, pad);
            return (y, p, fuses, yApart, Functional.Conv2d(x, pw, pb, stride));
        });
        Assert.True(fused, "the shape should take the fused kernel");
        // the layer's tiles and stores are those of the layer alone
        Assert.Equal(yApart.Shape, y.Shape);
        Assert.Equal(yApart.ToArray(), y.ToArray());
        var expected = ConvReference.Conv2d(x.ToArray(), n, cin, h, w, pw.ToArray(), m, 1, 1, pb?.ToArray(), stride, stride, 0, 0, 1, 1, 1, out int oh, out int ow);
        Assert.Equal(new[] { n, m, oh, ow }, p.Shape);
        Assert.Equal(pApart.Shape, p.Shape);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(MathF.Abs(expected[i] - p.Data[i]) < 1e-5f * (1 + MathF.Abs(expected[i])), $"projection [{i}] {p.Data[i]} vs {expected[i]}");
            Assert.True(MathF.Abs(pApart.Data[i] - p.Data[i]) < 1e-5f * (1 + MathF.Abs(pApart.Data[i])), $"projection [{i}] {p.Data[i]} vs apart {pApart.Data[i]}");
        }
        if (relu) Assert.Contains(y.ToArray(), v => v == 0f);
        Assert.Contains(p.ToArray(), v => v < 0f);
    }

    [Theory]
    [InlineData(0, 2)]  // no padding: the layer's 5×5 outputs are not the projection's 6×6
    [InlineData(2, 1)]  // padding 2: 14×14 outputs against 12×12
    public void ShapesItCannotFuseRunApartWithTheSameResults(int pad, int stride)
    {
        var x = R(6, 2, 8, 12, 12); var wt = R(7, 8, 8, 3, 3); var pw = R(8, 4, 8, 1, 1);
        using var noGrad = GradMode.NoGrad();
        Assert.False(Functional.FusesProjection(x, wt, null, (stride, stride), (pad, pad), pw, null, out _));
        var (y, p) = Functional.Conv2dWithProjection(x, wt, null, (stride, stride), (pad, pad), pw, null);
        Assert.Equal(Functional.Conv2d(x, wt, null, stride, pad).ToArray(), y.ToArray());
        Assert.Equal(Functional.Conv2d(x, pw, null, stride).ToArray(), p.ToArray());
    }

    [Fact]
    public void WithAGradientItIsTheTwoConvolutionsAndTheirGradients()
    {
        var x = R(9, 2, 8, 10, 10); var wt = R(10, 8, 8, 3, 3); var pw = R(11, 16, 8, 1, 1); var pb = R(12, 16);
        Tensor[] inputs = [x, wt, pw, pb];
        foreach (var t in inputs) t.RequiresGrad = true;
        var (y, p) = Functional.Conv2dWithProjection(x, wt, null, (2, 2), (1, 1), pw, pb, relu: true);
        var grads = Autograd.Grad((y * R(13, y.Shape)).Sum() + (p * R(14, p.Shape)).Sum(), inputs);
        var ya = Functional.Conv2d(x, wt, null, 2, 1).Relu(); var pa = Functional.Conv2d(x, pw, pb, 2);
        var apart = Autograd.Grad((ya * R(13, ya.Shape)).Sum() + (pa * R(14, pa.Shape)).Sum(), inputs);
        for (int i = 0; i < inputs.Length; i++) Assert.Equal(apart[i]!.ToArray(), grads[i]!.ToArray());
        Assert.Contains(grads[0]!.ToArray(), v => v != 0f);
    }

    [Fact]
    public void BadShapesAreNamedByTheConvolutionThatRejectsThem()
    {
        var x = R(15, 2, 8, 12, 12); var wt = R(16, 8, 8, 3, 3);
        using var noGrad = GradMode.NoGrad();
        var e = Assert.Throws<ArgumentException>(() => Functional.Conv2dWithProjection(x, wt, null, (2, 2), (1, 1), R(17, 4, 6, 1, 1), null));
        Assert.Contains("conv2d", e.Message);
    }
}
