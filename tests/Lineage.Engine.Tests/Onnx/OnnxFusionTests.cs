using Lineage.Engine.Nn;
using Lineage.Engine.Onnx;
using static Lineage.Engine.Tests.Onnx.GraphBuilder;

namespace Lineage.Engine.Tests.Onnx;

/// <summary>The importer's fused runs (Conv → BatchNormalization [→ Relu], Conv → BatchNormalization → Add → Relu,
/// Conv → Relu [→ MaxPool 2×2]): found where
/// nothing else reads the intermediate values, the same function as the nodes one by one in inference, and exactly the
/// nodes one by one when a gradient is recorded.</summary>
[Collection(EngineGlobalsCollection.Name)]
public class OnnxFusionTests
{
    static Tensor Rand(int seed, params int[] shape) => Tensor.Randn(new Generator((ulong)seed), shape);

    /// <summary>Conv → BN → ReLU → MaxPool, then Conv → ReLU → MaxPool, then a linear layer, with batch norm statistics
    /// away from 0 and 1.</summary>
    static OnnxModel Exported()
    {
        var gen = new Generator(4);
        var bn = new BatchNorm2d(8);
        var net = new Sequential(new Conv2d(3, 8, 3, gen, padding: 1), bn, new ReLU(), new MaxPool2d(2),
            new Conv2d(8, 16, 3, gen, padding: 1), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(16 * 3 * 3, 5, gen));
        for (int c = 0; c < 8; c++) { bn.RunningMean!.Data[c] = 0.1f * c - 0.3f; bn.RunningVar!.Data[c] = 0.5f + 0.1f * c; bn.Weight!.Data[c] = 1.5f - 0.1f * c; bn.Bias!.Data[c] = 0.05f * c; }
        net.Eval();
        return OnnxModel.Load(OnnxExporter.ExportToBytes(net, [3, 12, 12]), "fusion");
    }

    static T Unfused<T>(Func<T> run)
    {
        Fusion.Enabled = false;
        try { return run(); }
        finally { Fusion.Enabled = true; }
    }

    [Fact]
    public void ConvolutionRunsAreFusedAndComputeTheSameFunction()
    {
        var model = Exported();
        // Conv → BatchNormalization → Relu, and Conv → Relu → MaxPool
        Assert.Equal(2, model.FusedRuns);
        var x = Rand(1, 4, 3, 12, 12);
        Tensor fused, separate;
        using (GradMode.NoGrad())
        {
            fused = model.Forward(x);
            separate = Unfused(() => model.Forward(x));
        }
        Fixture.AssertClose(separate, fused, "fused import", 1e-5, 1e-5);
    }

    [Fact]
    public void WithAGradientTheRunsAreTheNodesOneByOne()
    {
        var model = Exported();
        var x = Rand(2, 2, 3, 12, 12);
        x.RequiresGrad = true;
        var y = model.Forward(x);
        var gx = Autograd.Grad(y.Sum(), [x])[0]!.ToArray();
        var x2 = Rand(2, 2, 3, 12, 12);
        x2.RequiresGrad = true;
        var (y2, gx2) = Unfused(() => { var o = model.Forward(x2); return (o, Autograd.Grad(o.Sum(), [x2])[0]!.ToArray()); });
        Assert.Equal(y2.ToArray(), y.ToArray());
        Assert.Equal(gx2, gx);
    }

    /// <summary>relu(bn1(conv1(x))), then relu(bn2(conv2(·)) + x): exported as Conv, BatchNormalization, Relu, Conv,
    /// BatchNormalization, Add, Relu.</summary>
    sealed class Block : Module
    {
        readonly Conv2d conv1, conv2;
        readonly BatchNorm2d bn1, bn2;
        public Block(int channels, Generator gen)
        {
            conv1 = RegisterModule("conv1", new Conv2d(channels, channels, 3, gen, padding: 1, bias: false));
            bn1 = RegisterModule("bn1", new BatchNorm2d(channels));
            conv2 = RegisterModule("conv2", new Conv2d(channels, channels, 3, gen, padding: 1, bias: false));
            bn2 = RegisterModule("bn2", new BatchNorm2d(channels));
            for (int c = 0; c < channels; c++) { bn2.RunningMean!.Data[c] = 0.2f - 0.05f * c; bn2.RunningVar!.Data[c] = 0.7f + 0.05f * c; }
        }
        public override Tensor Forward(Tensor x)
            => conv2.ForwardBatchNorm(conv1.ForwardBatchNorm(x, bn1, relu: true), bn2, residual: x, relu: true);
    }

    [Fact]
    public void AResidualBlocksTailIsFusedWithItsAdd()
    {
        var block = new Block(8, new Generator(5));
        block.Eval();
        var model = OnnxModel.Load(OnnxExporter.ExportToBytes(block, [8, 6, 6]), "block");
        Assert.Equal(2, model.FusedRuns);
        var x = Rand(6, 3, 8, 6, 6);
        Tensor fused, separate, engine;
        using (GradMode.NoGrad())
        {
            fused = model.Forward(x);
            separate = Unfused(() => model.Forward(x));
            engine = block.Forward(x);
        }
        Fixture.AssertClose(separate, fused, "fused residual block", 1e-5, 1e-5);
        Fixture.AssertClose(engine, fused, "engine block", 1e-5, 1e-5);
    }

    [Fact]
    public void AValueReadElsewhereIsNotFusedAway()
    {
        var x = Rand(3, 2, 2, 6, 6); var w = Rand(4, 3, 2, 3, 3);
        // the convolution's output is a graph output as well as the ReLU's input
        var both = OnnxModel.Load(new GraphBuilder(13).Input("x", -1, 2, 6, 6).Initializer("w", w).Output("c").Output("r")
            .Node("Conv", ["x", "w"], ["c"], Ints("pads", 1, 1, 1, 1))
            .Node("Relu", ["c"], ["r"]).Bytes());
        Assert.Equal(0, both.FusedRuns);
        // a pooling that is not 2×2 with stride 2 stays a node of its own; the Conv → Relu before it still fuses
        var pool3 = OnnxModel.Load(new GraphBuilder(13).Input("x", -1, 2, 6, 6).Initializer("w", w).Output("p")
            .Node("Conv", ["x", "w"], ["c"], Ints("pads", 1, 1, 1, 1))
            .Node("Relu", ["c"], ["r"])
            .Node("MaxPool", ["r"], ["p"], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2)).Bytes());
        Assert.Equal(1, pool3.FusedRuns);
        using var noGrad = GradMode.NoGrad();
        var expected = Functional.MaxPool2d(Functional.Conv2d(x, w, null, 1, 1).Relu(), (3, 3), (2, 2), (0, 0));
        Fixture.AssertClose(expected, pool3.Forward(x), "conv relu, then a 3×3 pool", 1e-5, 1e-5);
    }
}
