using Lineage.Engine.Kernels;
using Lineage.Engine.Nn;

namespace Lineage.Engine.Tests;

/// <summary>Convolutions: im2col + GEMM against the direct reference loops, finite-difference gradients,
/// thread-count independence, modules and error messages.</summary>
public class ConvTests
{
    static Tensor R(int seed, params int[] shape) => Tensor.Uniform(new Generator(seed), -1f, 1f, shape);

    public static IEnumerable<object[]> ConvShapes() =>
    [
        // n, cin, h, w, cout, kh, kw, stride, pad, dilation, groups, bias
        [1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, false],
        [2, 3, 7, 9, 5, 3, 3, 1, 1, 1, 1, true],
        [3, 4, 9, 8, 6, 3, 2, 2, 1, 1, 2, true],
        [2, 4, 10, 10, 4, 3, 3, 1, 2, 2, 4, false],
        [2, 6, 5, 5, 3, 1, 1, 1, 0, 1, 1, true],
        [5, 2, 13, 11, 7, 5, 4, 3, 2, 2, 1, true],
        [2, 3, 9, 7, 6, 3, 3, 2, 1, 1, 3, true],   // depthwise, channel multiplier 2
        [2, 5, 6, 6, 5, 3, 3, 1, 1, 1, 5, false],  // depthwise
        [2, 2, 17, 18, 3, 3, 3, 1, 1, 1, 1, true],
        [3, 4, 20, 20, 4, 3, 3, 1, 1, 2, 2, true],
    ];

    [Theory, MemberData(nameof(ConvShapes))]
    public void Conv2dMatchesReference(int n, int cin, int h, int w, int cout, int kh, int kw, int s, int p, int d, int groups, bool bias)
    {
        var x = R(1, n, cin, h, w); var wt = R(2, cout, cin / groups, kh, kw); var b = bias ? R(3, cout) : null;
        var y = Functional.Conv2d(x, wt, b, s, p, d, groups);
        var expected = ConvReference.Conv2d(x.ToArray(), n, cin, h, w, wt.ToArray(), cout, kh, kw, b?.ToArray(), s, s, p, p, d, d, groups, out int oh, out int ow);
        Assert.Equal(new[] { n, cout, oh, ow }, y.Shape);
        for (int i = 0; i < expected.Length; i++) Assert.True(MathF.Abs(expected[i] - y.Data[i]) < 1e-4f, $"[{i}] {y.Data[i]} vs {expected[i]}");
    }

    [Theory, MemberData(nameof(ConvShapes))]
    public void ConvTranspose2dMatchesReference(int n, int cin, int h, int w, int coutG, int kh, int kw, int s, int p, int d, int groups, bool bias)
    {
        int op = s > 1 ? 1 : 0;
        var x = R(4, n, cin, h, w); var wt = R(5, cin, coutG, kh, kw); var b = bias ? R(6, coutG * groups) : null;
        var y = Functional.ConvTranspose2d(x, wt, b, s, p, op, d, groups);
        var expected = ConvReference.ConvTranspose2d(x.ToArray(), n, cin, h, w, wt.ToArray(), coutG, kh, kw, b?.ToArray(), s, s, p, p, op, op, d, d, groups, out int oh, out int ow);
        Assert.Equal(new[] { n, coutG * groups, oh, ow }, y.Shape);
        for (int i = 0; i < expected.Length; i++) Assert.True(MathF.Abs(expected[i] - y.Data[i]) < 1e-4f, $"[{i}] {y.Data[i]} vs {expected[i]}");
    }

    [Fact] public void Conv2dGrad() => GradCheck.Check(x => Functional.Conv2d(x[0], x[1], x[2]), [R(10, 2, 2, 5, 4), R(11, 3, 2, 3, 3), R(12, 3)]);
    [Fact] public void Conv2dGradStride2Pad() => GradCheck.Check(x => Functional.Conv2d(x[0], x[1], x[2], stride: 2, padding: 1), [R(13, 2, 2, 6, 5), R(14, 3, 2, 3, 3), R(15, 3)]);
    [Fact] public void Conv2dGradDilation2() => GradCheck.Check(x => Functional.Conv2d(x[0], x[1], null, (1, 2), (2, 1), (2, 2)), [R(16, 1, 2, 7, 7), R(17, 2, 2, 3, 2)]);
    [Fact] public void Conv2dGradGroups2() => GradCheck.Check(x => Functional.Conv2d(x[0], x[1], x[2], padding: 1, groups: 2), [R(18, 2, 4, 4, 4), R(19, 4, 2, 3, 3), R(20, 4)]);
    [Fact] public void Conv2dGradDepthwise() => GradCheck.Check(x => Functional.Conv2d(x[0], x[1], x[2], stride: 2, padding: 1, groups: 3), [R(21, 2, 3, 5, 5), R(22, 3, 1, 3, 3), R(23, 3)]);
    [Fact] public void Conv2dGradPointwise() => GradCheck.Check(x => Functional.Conv2d(x[0], x[1], x[2]), [R(24, 2, 3, 3, 2), R(25, 2, 3, 1, 1), R(26, 2)]);
    [Fact] public void Conv2dGradDepthwiseMultiplierDilation() => GradCheck.Check(x => Functional.Conv2d(x[0], x[1], x[2], (1, 2), (2, 1), (2, 1), groups: 2), [R(50, 2, 2, 6, 5), R(51, 4, 1, 3, 2), R(52, 4)]);
    [Fact] public void Conv2dGradLargePlanePerImage() => GradCheck.Check(x => Functional.Conv2d(x[0], x[1], x[2], padding: 1), [R(53, 2, 1, 17, 16), R(54, 2, 1, 3, 3), R(55, 2)]);
    [Fact] public void ConvTranspose2dGrad() => GradCheck.Check(x => Functional.ConvTranspose2d(x[0], x[1], x[2]), [R(27, 2, 2, 3, 3), R(28, 2, 3, 3, 3), R(29, 3)]);
    [Fact] public void ConvTranspose2dGradStride2() => GradCheck.Check(x => Functional.ConvTranspose2d(x[0], x[1], x[2], stride: 2, padding: 1, outputPadding: 1), [R(30, 2, 2, 3, 3), R(31, 2, 2, 4, 4), R(32, 2)]);
    [Fact] public void ConvTranspose2dGradDilationGroups() => GradCheck.Check(x => Functional.ConvTranspose2d(x[0], x[1], null, (2, 1), (1, 1), (1, 0), (2, 2), groups: 2), [R(33, 1, 4, 3, 3), R(34, 4, 1, 3, 2)]);
    [Fact] public void ConvTranspose2dGradDepthwise() => GradCheck.Check(x => Functional.ConvTranspose2d(x[0], x[1], x[2], stride: 2, groups: 3), [R(35, 2, 3, 3, 2), R(36, 3, 1, 2, 2), R(37, 3)]);

    [Fact]
    public void Conv2dGradientsDoNotDependOnThreadCount()
    {
        // 40 images: several fixed batch blocks for the weight gradient
        var x = R(40, 40, 3, 17, 17).RequireGrad(); var w = R(41, 4, 3, 3, 3).RequireGrad(); var b = R(42, 4).RequireGrad();
        Tensor[] Run(int threads)
        {
            int saved = EngineSettings.Threads;
            EngineSettings.Threads = threads;
            try { var y = Functional.Conv2d(x, w, b, padding: 1); return Autograd.Grad(y.Sum(), [x, w, b]); }
            finally { EngineSettings.Threads = saved; }
        }
        var one = Run(1); var three = Run(3);
        for (int i = 0; i < 3; i++) Assert.Equal(one[i].ToArray(), three[i].ToArray());
    }

    [Fact]
    public void Conv2dModuleHasTorchNamesShapesAndInit()
    {
        var conv = new Conv2d(4, 6, 3, new Generator(1), padding: 1, groups: 2);
        Assert.Equal(["weight", "bias"], conv.NamedParameters().Select(p => p.Name));
        Assert.Equal(new[] { 6, 2, 3, 3 }, conv.Weight.Shape);
        float bound = 1f / MathF.Sqrt(2 * 9);
        Assert.All(conv.Weight.ToArray(), v => Assert.InRange(v, -bound, bound));
        Assert.All(conv.Bias!.ToArray(), v => Assert.InRange(v, -bound, bound));
        Assert.Equal(new[] { 2, 6, 5, 5 }, conv.Forward(R(1, 2, 4, 5, 5)).Shape);
        Assert.Null(new Conv2d(2, 2, 1, new Generator(1), bias: false).Bias);
    }

    [Fact]
    public void ConvTranspose2dModuleUsesDim1ForFanIn()
    {
        var up = new ConvTranspose2d(8, 4, 4, new Generator(2), stride: 2, padding: 1);
        Assert.Equal(new[] { 8, 4, 4, 4 }, up.Weight.Shape);
        float bound = 1f / MathF.Sqrt(4 * 16);
        Assert.All(up.Bias!.ToArray(), v => Assert.InRange(v, -bound, bound));
        Assert.Contains(up.Weight.ToArray(), v => MathF.Abs(v) > 1f / MathF.Sqrt(8 * 16));
        Assert.Equal(new[] { 1, 4, 6, 6 }, up.Forward(R(3, 1, 8, 3, 3)).Shape);
    }

    [Fact]
    public void BadShapesThrowClearMessages()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.Conv2d(R(1, 1, 3, 5, 5), R(2, 4, 2, 3, 3)));
        Assert.Contains("conv2d", e.Message); Assert.Contains("[1, 3, 5, 5]", e.Message); Assert.Contains("[4, 2, 3, 3]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Functional.Conv2d(R(1, 2, 5, 5), R(2, 4, 2, 3, 3)));
        Assert.Contains("[N, C, H, W]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Functional.Conv2d(R(1, 1, 2, 2, 2), R(2, 1, 2, 3, 3)));
        Assert.Contains("smaller than", e.Message);
        e = Assert.Throws<ArgumentException>(() => Functional.ConvTranspose2d(R(1, 1, 2, 3, 3), R(2, 2, 1, 3, 3), stride: 2, outputPadding: 2));
        Assert.Contains("output padding", e.Message);
        e = Assert.Throws<ArgumentException>(() => Functional.MaxPool2d(R(1, 1, 1, 3, 3), 2, padding: 2));
        Assert.Contains("max_pool2d", e.Message);
    }
}
