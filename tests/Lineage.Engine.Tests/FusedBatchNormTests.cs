using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Engine.Tests;

/// <summary>Batch norm fused with a residual add and a ReLU must give the values and gradients of the three
/// separate ops; Sequential fuses a batch norm followed by ReLU.</summary>
public class FusedBatchNormTests
{
    static Tensor R(int seed, params int[] shape) => Tensor.Uniform(new Generator(seed), -1f, 1f, shape);

    static Tensor Separate(Tensor x, Tensor? rm, Tensor? rv, Tensor w, Tensor b, bool training, Tensor? residual, bool relu)
    {
        var y = Functional.BatchNorm(x, rm, rv, w, b, training);
        if (residual != null) y = y + residual;
        return relu ? y.Relu() : y;
    }

    // inner sizes 35 (scalar tails) and 48 (vector loops plus a tail)
    [Theory]
    [InlineData(true, true, true, 5, 7)]
    [InlineData(true, false, true, 6, 8)]
    [InlineData(true, true, false, 5, 7)]
    [InlineData(false, true, true, 5, 7)]
    [InlineData(false, false, true, 6, 8)]
    // a ReLU without a residual, in the vector loops and the scalar tail
    [InlineData(true, false, true, 5, 7)]
    [InlineData(false, false, true, 5, 7)]
    public void MatchesSeparateOps(bool training, bool withResidual, bool relu, int h, int w)
    {
        Tensor[] Run(bool fused, out Tensor runningMean, out Tensor runningVar)
        {
            var x = R(1, 3, 4, h, w).RequireGrad();
            var gamma = Tensor.Uniform(new Generator(2), 0.5f, 1.5f, 4).RequireGrad();
            var beta = R(3, 4).RequireGrad();
            var res = withResidual ? R(4, 3, 4, h, w).RequireGrad() : null;
            runningMean = R(5, 4).ClonePersistent();
            runningVar = Tensor.Uniform(new Generator(6), 0.5f, 2f, 4).ClonePersistent();
            var y = fused
                ? Functional.BatchNorm(x, runningMean, runningVar, gamma, beta, training, residual: res, relu: relu)
                : Separate(x, runningMean, runningVar, gamma, beta, training, res, relu);
            (y * R(7, y.Shape)).Sum().Backward();
            return res != null ? [y, x.Grad!, gamma.Grad!, beta.Grad!, res.Grad!] : [y, x.Grad!, gamma.Grad!, beta.Grad!];
        }
        var expected = Run(fused: false, out var rm0, out var rv0);
        var actual = Run(fused: true, out var rm1, out var rv1);
        for (int i = 0; i < expected.Length; i++) AssertClose(expected[i], actual[i], 2e-5f);
        AssertClose(rm0, rm1, 1e-6f);
        AssertClose(rv0, rv1, 1e-5f);
    }

    [Fact]
    public void GradientsMatchFiniteDifferences() =>
        GradCheck.Check(x => Functional.BatchNorm(x[0], null, null, x[1], x[2], training: true, residual: x[3], relu: true),
            [R(8, 2, 3, 2, 3), R(9, 3), R(10, 3), R(11, 2, 3, 2, 3)]);

    [Fact]
    public void GradientsWithoutResidualMatchFiniteDifferences() =>
        GradCheck.Check(x => Functional.BatchNorm(x[0], null, null, x[1], x[2], training: true, relu: true),
            [R(15, 2, 3, 4, 5), R(16, 3), R(17, 3)]);

    /// <summary>The statistics come from one pass of sums shifted by the channel's first value: a large common
    /// offset must not cost precision (unshifted E[x²] − E[x]² in float would lose it entirely).</summary>
    [Fact]
    public void StatisticsKeepPrecisionUnderLargeOffset()
    {
        var noise = R(12, 8, 2, 6, 6);
        var x = noise + 1000f;
        var expected = Functional.BatchNorm(noise, null, null, null, null, training: true);
        var actual = Functional.BatchNorm(x, null, null, null, null, training: true);
        AssertClose(expected, actual, 2e-3f);
    }

    [Fact]
    public void SequentialFusesBatchNormFollowedByRelu()
    {
        var gen = new Generator(13);
        var net = new Sequential(new Conv2d(2, 4, 3, gen, padding: 1), new BatchNorm2d(4), new ReLU(), new Conv2d(4, 3, 1, gen));
        var x = R(14, 2, 2, 5, 5);
        var fused = net.Forward(x);
        // the pair ran as one op: the output of a batch norm + ReLU Sequential is recorded as batch_norm, not relu
        Assert.Equal("batch_norm", new Sequential(new BatchNorm2d(2), new ReLU()).Forward(x.Clone().RequireGrad()).Op);
        var reference = net[3].Forward(Functional.BatchNorm(net[0].Forward(x), null, null, ((BatchNorm2d)net[1]).Weight, ((BatchNorm2d)net[1]).Bias, training: true).Relu());
        AssertClose(reference, fused, 1e-5f);
    }

    static void AssertClose(Tensor expected, Tensor actual, float tol)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToArray(); var a = actual.ToArray();
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= tol * (1 + Math.Abs(e[i])), $"element {i}: expected {e[i]}, got {a[i]}");
    }
}

/// <summary>Batch norm visits the batch image by image or channel by channel (Functional.ByImages); both must give the
/// same bits: values, all gradients and running statistics.</summary>
[Collection(EngineGlobalsCollection.Name)]
public class BatchNormVisitOrderTests
{
    static Tensor R(int seed, params int[] shape) => Tensor.Uniform(new Generator(seed), -1f, 1f, shape);

    // planes of 32×32 (vector loops only), 5×7 (scalar tails) and 8×8; 8 to 12 images
    [Theory]
    [InlineData(true, true, true, 8, 3, 32, 32)]
    [InlineData(true, false, true, 9, 5, 5, 7)]
    [InlineData(true, false, false, 12, 4, 8, 8)]
    [InlineData(false, true, true, 8, 6, 8, 8)]
    [InlineData(false, false, false, 10, 3, 5, 7)]
    public void ImagesOrChannelsGiveTheSameBits(bool training, bool withResidual, bool relu, int n, int c, int h, int w)
    {
        Tensor[] Run(bool byImages)
        {
            var saved = Functional.ByImages;
            Functional.ByImages = (_, _) => byImages;
            try
            {
                // a common offset, so that the shifted sums matter
                var x = (R(1, n, c, h, w) + 3f).RequireGrad();
                var gamma = Tensor.Uniform(new Generator(2), 0.5f, 1.5f, c).RequireGrad();
                var beta = R(3, c).RequireGrad();
                var res = withResidual ? R(4, n, c, h, w).RequireGrad() : null;
                var runningMean = R(5, c).ClonePersistent();
                var runningVar = Tensor.Uniform(new Generator(6), 0.5f, 2f, c).ClonePersistent();
                var y = Functional.BatchNorm(x, runningMean, runningVar, gamma, beta, training, residual: res, relu: relu);
                (y * R(7, y.Shape)).Sum().Backward();
                return res != null ? [y, x.Grad!, gamma.Grad!, beta.Grad!, res.Grad!, runningMean, runningVar] : [y, x.Grad!, gamma.Grad!, beta.Grad!, runningMean, runningVar];
            }
            finally { Functional.ByImages = saved; }
        }
        var byChannels = Run(byImages: false);
        var byImages = Run(byImages: true);
        for (int i = 0; i < byChannels.Length; i++) Assert.Equal(byChannels[i].Data.AsSpan(0, byChannels[i].Size).ToArray(), byImages[i].Data.AsSpan(0, byImages[i].Size).ToArray());
    }

    /// <summary>ResNet-20's batches (64 images of 16×32×32) go image by image, a single image channel by channel.</summary>
    [Fact]
    public void LargeBatchesGoImageByImage()
    {
        Assert.True(Functional.ByImages(64, 32 * 32));
        Assert.False(Functional.ByImages(1, 32 * 32));
        Assert.False(Functional.ByImages(64, 1));
    }
}
