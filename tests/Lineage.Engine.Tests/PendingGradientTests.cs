using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Engine.Tests;

/// <summary>A backward function may add its part of an input's gradient into the gradient that other ops already
/// gave that input (<see cref="Autograd.PendingGradient"/>); the engine then adds nothing. A convolution does so
/// for a residual block's input, whose shortcut's gradient arrives first.</summary>
[Collection(EngineGlobalsCollection.Name)]
public class PendingGradientTests
{
    static Tensor R(int seed, params int[] shape) => Tensor.Uniform(new Generator(seed), -1f, 1f, shape);

    /// <summary>p = 3x by an op whose backward adds into the pending gradient; y = p·x, whose backward runs first and
    /// gives x its first part, p·g = 3x. The sum is 6x, and the op found 3x waiting (and nothing for a shared one).</summary>
    [Fact]
    public void AnOpAddsIntoTheGradientOtherOpsGaveItsInput()
    {
        var x = Tensor.FromArray([1f, -2f, 0.5f], 3).RequireGrad();
        float[]? found = null;
        var p = Tensor.FromOp(x * 3f, "probe", [x], g =>
        {
            var pending = Autograd.PendingGradient(x);
            found = pending?.ToArray();
            var part = g * 3f;
            if (pending == null) return [part];
            Lineage.Engine.Kernels.Elementwise.AddInPlace(pending.Span, part.Span);
            return [pending];
        });
        (p * x).Sum().Backward();
        Assert.NotNull(found);
        Assert.Equal([3f, -6f, 1.5f], found);
        Assert.Equal([6f, -12f, 3f], x.Grad!.ToArray());
    }

    /// <summary>A gradient passed through unchanged (the sum's upstream ones, which reach x twice here) belongs to
    /// several nodes and is not offered: adding into it would change the others' gradients.</summary>
    [Fact]
    public void ASharedGradientIsNotOffered()
    {
        var x = Tensor.FromArray([1f, 2f], 2).RequireGrad();
        bool offered = true;
        var p = Tensor.FromOp(x.Clone(), "probe", [x], g => { offered = Autograd.PendingGradient(x) != null; return [g]; });
        (p + x).Sum().Backward();
        Assert.False(offered);
        Assert.Equal([2f, 2f], x.Grad!.ToArray());
    }

    /// <summary>Residual blocks on the implicit-GEMM (16 channels) and Winograd (32 channels) input gradients, and a
    /// stage's first block, whose input feeds a stride-2 convolution and a 1×1 stride-2 projection (the second of the
    /// two stride-2 input gradients adds into the first): every gradient bit for bit what the engine's own sum gives
    /// (the convolution adds the other part as it stores, a + b either way).</summary>
    [Theory]
    [InlineData(16, 12, false)]
    [InlineData(32, 8, false)]
    [InlineData(16, 12, true)]
    [InlineData(8, 34, true)]   // rows of 34: one 32-wide interleave and a pair one at a time
    public void AResidualBlocksGradientsAreThoseOfTheEnginesSum(int channels, int size, bool stageEntry)
    {
        Tensor[] Grads(bool offer)
        {
            Autograd.OffersPendingGradients = offer;
            try
            {
                var gen = new Generator(3);
                int outChannels = stageEntry ? 2 * channels : channels, stride = stageEntry ? 2 : 1;
                var block = new Sequential(new Conv2d(channels, outChannels, 3, gen, stride, 1, bias: false), new BatchNorm2d(outChannels), new ReLU(),
                    new Conv2d(outChannels, outChannels, 3, gen, 1, 1, bias: false));
                var projection = new Conv2d(channels, outChannels, 1, gen, stride, 0, bias: false);
                var bn = new BatchNorm2d(outChannels);
                var x = R(4, 2, channels, size, size).RequireGrad();
                var y = bn.Forward(block.Forward(x), stageEntry ? projection.Forward(x) : x, relu: true);
                var inputs = new List<Tensor> { x };
                inputs.AddRange(block.Parameters());
                if (stageEntry) inputs.AddRange(projection.Parameters());
                return Autograd.Grad((y * R(5, y.Shape)).Sum(), inputs);
            }
            finally { Autograd.OffersPendingGradients = true; }
        }
        var summed = Grads(offer: false);
        var added = Grads(offer: true);
        for (int i = 0; i < summed.Length; i++) Assert.Equal(summed[i].ToArray(), added[i].ToArray());
    }
}
