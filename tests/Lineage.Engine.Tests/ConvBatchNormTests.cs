using Lineage.Engine.Kernels;
using Lineage.Engine.Nn;

namespace Lineage.Engine.Tests;

/// <summary>A convolution and an evaluation-mode batch norm folded into one convolution (with the residual add and the
/// ReLU in its store) when nothing is recorded: the same function as the two ops on every convolution path, and
/// exactly the two ops whenever a gradient is recorded or the batch norm uses batch statistics.</summary>
[Collection(EngineGlobalsCollection.Name)]
public class ConvBatchNormTests
{
    static Tensor R(int seed, params int[] shape) => Tensor.Uniform(new Generator(seed), -1f, 1f, shape);

    /// <summary>A batch norm in evaluation mode with running statistics and affine parameters away from 0 and 1.</summary>
    static BatchNorm2d Norm(int c, int seed, bool affine = true)
    {
        var bn = new BatchNorm2d(c, affine: affine);
        var g = new Generator(seed);
        for (int i = 0; i < c; i++)
        {
            bn.RunningMean!.Data[i] = g.NextFloat() - 0.5f;
            bn.RunningVar!.Data[i] = 0.5f + g.NextFloat();
            if (affine) { bn.Weight!.Data[i] = 0.5f + g.NextFloat(); bn.Bias!.Data[i] = g.NextFloat() - 0.5f; }
        }
        bn.Eval();
        return bn;
    }

    public static IEnumerable<object[]> Layers() =>
    [
        // n, cin, h, w, cout, kernel, stride, padding, groups, conv bias, residual, relu: the path each takes
        [2, 32, 10, 10, 32, 3, 1, 1, 1, false, true, true],    // Winograd (stride 1, 3×3, enough channels)
        [2, 32, 9, 7, 32, 3, 1, 1, 1, true, false, true],     // Winograd, odd sizes
        [2, 32, 13, 19, 24, 3, 1, 1, 1, true, true, true],   // Winograd: an odd edge on both sides, residual
        [2, 16, 12, 12, 32, 3, 2, 1, 1, false, false, true],  // implicit GEMM, stride 2
        [2, 16, 8, 8, 16, 3, 1, 1, 1, true, true, false],     // implicit GEMM: too few channels for Winograd
        [2, 16, 8, 8, 32, 1, 2, 0, 1, false, false, false],   // 1×1 stride-2 shortcut
        [2, 4, 9, 9, 6, 5, 1, 2, 1, true, true, true],        // im2col (5×5)
        [2, 8, 6, 6, 8, 3, 1, 1, 2, false, true, true],       // grouped: im2col per group
        [2, 8, 6, 6, 8, 3, 1, 1, 8, true, true, true],        // depthwise
    ];

    [Theory, MemberData(nameof(Layers))]
    public void FoldedEqualsTheTwoOps(int n, int cin, int h, int w, int cout, int k, int stride, int pad, int groups, bool convBias, bool withResidual, bool relu)
    {
        var conv = new Conv2d(cin, cout, k, new Generator(1), stride, pad, groups: groups, bias: convBias);
        var bn = Norm(cout, 2);
        var x = R(3, n, cin, h, w);
        int oh = ConvGeometry.OutSize(h, k, stride, pad, 1), ow = ConvGeometry.OutSize(w, k, stride, pad, 1);
        var residual = withResidual ? R(4, n, cout, oh, ow) : null;
        using var noGrad = GradMode.NoGrad();
        var expected = bn.Forward(conv.Forward(x), residual, relu).ToArray();
        var folded = conv.ForwardBatchNorm(x, bn, residual, relu);
        Assert.Equal(new[] { n, cout, oh, ow }, folded.Shape);
        var y = folded.ToArray();
        for (int i = 0; i < y.Length; i++) Assert.True(MathF.Abs(expected[i] - y[i]) <= 1e-4f * (1 + MathF.Abs(expected[i])), $"[{i}] {y[i]} vs {expected[i]}");
        if (relu) Assert.All(y, v => Assert.True(v >= 0f));
    }

    [ImplicitGemmFact]
    public void ResidualIsAddedOnTheImplicitGemmAndWinogradPathsAlike()
    {
        // the same 3×3 stride-1 layer through Winograd (allowed for 16 channels here) and through the implicit GEMM
        var conv = new Conv2d(16, 16, 3, new Generator(5), 1, 1, bias: false);
        var bn = Norm(16, 6);
        var x = R(7, 3, 16, 8, 8); var residual = R(8, 3, 16, 8, 8);
        float[] Run(bool winograd)
        {
            bool saved = Winograd.Enabled; int savedMin = Winograd.MinProductsPerValue;
            Winograd.Enabled = winograd; Winograd.MinProductsPerValue = 0;
            try { using var noGrad = GradMode.NoGrad(); return conv.ForwardBatchNorm(x, bn, residual, relu: true).ToArray(); }
            finally { Winograd.Enabled = saved; Winograd.MinProductsPerValue = savedMin; }
        }
        var a = Run(true); var b = Run(false);
        for (int i = 0; i < a.Length; i++) Assert.True(MathF.Abs(a[i] - b[i]) <= 1e-4f * (1 + MathF.Abs(b[i])), $"[{i}] {a[i]} vs {b[i]}");
        Assert.Contains(b, v => v == 0f);   // the ReLU cut some outputs
    }

    [Fact]
    public void WithAGradientItIsTheTwoOpsBitForBit()
    {
        var conv = new Conv2d(8, 8, 3, new Generator(9), 1, 1);
        var bn = Norm(8, 10);
        var x = R(11, 2, 8, 6, 6); var residual = R(12, 2, 8, 6, 6);
        var fused = conv.ForwardBatchNorm(x, bn, residual, relu: true);
        var expected = bn.Forward(conv.Forward(x), residual, relu: true);
        Assert.Equal(expected.ToArray(), fused.ToArray());
        // and the gradient reaches the convolution's weight as through the two ops
        var g1 = Autograd.Grad((fused * R(13, fused.Shape)).Sum(), [conv.Weight])[0]!.ToArray();
        var g2 = Autograd.Grad((expected * R(13, expected.Shape)).Sum(), [conv.Weight])[0]!.ToArray();
        Assert.Equal(g2, g1);
    }

    [Fact]
    public void InTrainingTheBatchNormUsesBatchStatisticsAndUpdatesItsRunningOnes()
    {
        var conv = new Conv2d(4, 4, 3, new Generator(14), 1, 1);
        var bn = Norm(4, 15); bn.Train();
        var reference = Norm(4, 15); reference.Train();
        var x = R(16, 3, 4, 5, 5);
        using var noGrad = GradMode.NoGrad();
        var y = conv.ForwardBatchNorm(x, bn, relu: true).ToArray();
        var expected = reference.Forward(conv.Forward(x), null, relu: true).ToArray();
        Assert.Equal(expected, y);
        Assert.Equal(reference.RunningMean!.ToArray(), bn.RunningMean!.ToArray());
        Assert.NotEqual(Norm(4, 15).RunningMean!.ToArray(), bn.RunningMean!.ToArray());
    }

    [Fact]
    public void SequentialFoldsConvolutionBatchNormAndReluInEvaluation()
    {
        var net = new Sequential(new Conv2d(3, 8, 3, new Generator(17), 1, 1), Norm(8, 18), new ReLU(), new Conv2d(8, 4, 3, new Generator(19), 1, 1), Norm(4, 20, affine: false));
        net.Eval();
        var x = R(21, 2, 3, 7, 7);
        Tensor layered;
        using (GradMode.NoGrad())
        {
            layered = x;
            foreach (var (_, m) in net.NamedChildren()) layered = m.Forward(layered);
        }
        Tensor fused;
        using (GradMode.NoGrad()) fused = net.Forward(x);
        var a = layered.ToArray(); var b = fused.ToArray();
        for (int i = 0; i < a.Length; i++) Assert.True(MathF.Abs(a[i] - b[i]) <= 1e-5f * (1 + MathF.Abs(a[i])), $"[{i}] {b[i]} vs {a[i]}");
    }

    [Fact]
    public void MismatchedBatchNormOrResidualIsRefused()
    {
        var conv = new Conv2d(4, 6, 3, new Generator(22), 1, 1);
        var x = R(23, 2, 4, 5, 5);
        using var noGrad = GradMode.NoGrad();
        var e = Assert.Throws<ArgumentException>(() => conv.ForwardBatchNorm(x, Norm(5, 24)));
        Assert.Contains("5 elements for the convolution's 6 output channels", e.Message);
        e = Assert.Throws<ArgumentException>(() => conv.ForwardBatchNorm(x, Norm(6, 25), R(26, 2, 6, 4, 4)));
        Assert.Contains("must have the output's shape [2, 6, 5, 5]", e.Message);
    }
}
