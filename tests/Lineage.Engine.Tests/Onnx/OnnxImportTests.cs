using System.Text.Json;
using Lineage.Engine.Onnx;
using static Lineage.Engine.Tests.Onnx.GraphBuilder;

namespace Lineage.Engine.Tests.Onnx;

public class OnnxImportTests
{
    static Tensor Rand(int seed, params int[] shape) => Tensor.Randn(new Generator((ulong)seed), shape);

    [Theory]
    [InlineData("torch_small_cnn")]
    [InlineData("torch_small_resnet")]
    [InlineData("torch_small_mixer")]   // LayerNormalization, GELU's Erf form, HardSwish (opset 17)
    [InlineData("torch_small_vit")]     // attention, a class token's Equal/Where/Expand, Mish's Softplus (opset 17)
    public void TorchExportsMatchPyTorchForAnyBatch(string name)
    {
        var fx = Fixture.Load($"onnx/{name}.json");
        var model = OnnxModel.Load(Fixture.PathOf($"onnx/{name}.onnx"));
        using (GradMode.NoGrad())
        {
            Fixture.AssertClose(fx.GetProperty("output"), model.Forward(Fixture.Tensor(fx, "input")), $"{name} batch 2", 1e-4, 1e-4);
            Fixture.AssertClose(fx.GetProperty("output_batch3"), model.Forward(Fixture.Tensor(fx, "input_batch3")), $"{name} batch 3", 1e-4, 1e-4);
        }
    }

    [Theory]
    [InlineData("torch_small_cnn")]
    [InlineData("torch_small_resnet")]
    [InlineData("torch_small_mixer")]   // LayerNormalization, GELU's Erf form, HardSwish (opset 17)
    [InlineData("torch_small_vit")]     // attention, a class token's Equal/Where/Expand, Mish's Softplus (opset 17)
    public void InputGradientsMatchPyTorchAndFiniteDifferences(string name)
    {
        var fx = Fixture.Load($"onnx/{name}.json");
        var model = OnnxModel.Load(Fixture.PathOf($"onnx/{name}.onnx"), new OnnxImportOptions { TrainableInitializers = false });
        var x = Fixture.Tensor(fx, "input").RequireGrad();
        var w = Fixture.Tensor(fx, "grad_weights");
        var grad = Autograd.Grad((model.Forward(x) * w).Sum(), [x])[0];
        Fixture.AssertClose(fx.GetProperty("input_grad"), grad, $"{name} d(output)/d(input)", 1e-4, 1e-3);

        // central differences in double over a few inputs, away from the exact gradient's code path
        float Loss(Tensor input)
        {
            using var _ = GradMode.NoGrad();
            var y = model.Forward(input).ToArray(); var wd = w.ToArray();
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += (double)y[i] * wd[i];
            return (float)s;
        }
        const float h = 1e-2f;
        foreach (var i in new[] { 5, 300, 777, 1400 })
        {
            var plus = x.Detach().Clone(); plus.Data[i] += h;
            var minus = x.Detach().Clone(); minus.Data[i] -= h;
            double fd = (Loss(plus) - Loss(minus)) / (2.0 * h);
            Assert.True(Math.Abs(fd - grad.Data[i]) <= 2e-3 + 5e-2 * Math.Abs(fd), $"{name} input {i}: autograd {grad.Data[i]:G6}, finite difference {fd:G6}");
        }
    }

    [Fact]
    public void InitializersBecomeParametersAndStatisticsBuffersUnderSanitisedNames()
    {
        var model = OnnxModel.Load(Fixture.PathOf("onnx/torch_small_cnn.onnx"));
        var parameters = model.NamedParameters().ToDictionary(p => p.Name, p => p.Tensor);
        var buffers = model.NamedBuffers().ToDictionary(p => p.Name, p => p.Tensor);
        Assert.Contains("conv1_weight", parameters.Keys);
        Assert.Equal("conv1.weight", model.OnnxNames["conv1_weight"]);
        Assert.Equal([6, 3, 3, 3], parameters["conv1_weight"].Shape);
        Assert.True(parameters["conv1_weight"].RequiresGrad);
        Assert.Contains("bn1_running_mean", buffers.Keys);
        Assert.DoesNotContain("bn1_running_mean", parameters.Keys);
        Assert.Same(parameters["fc2_weight"], model.Initializer("fc2.weight"));

        // weights are read from the module on every run, so a clone runs on its own copies
        var x = Rand(1, 1, 3, 16, 16);
        using var _ = GradMode.NoGrad();
        var clone = (OnnxModel)model.Clone();
        var reference = model.Forward(x).ToArray();
        model.Initializer("fc2.bias").Data[0] += 1f;
        Assert.NotEqual(reference, model.Forward(x).ToArray());
        Assert.Equal(reference, clone.Forward(x).ToArray());
    }

    [Fact]
    public void FrozenInitializersStillPassGradientsToTheInput()
    {
        var model = OnnxModel.Load(Fixture.PathOf("onnx/torch_small_resnet.onnx"), new OnnxImportOptions { TrainableInitializers = false });
        Assert.All(model.Parameters(), p => Assert.False(p.RequiresGrad));
        var x = Rand(2, 1, 3, 16, 16).RequireGrad();
        model.Forward(x).Sum().Backward();
        Assert.NotNull(x.Grad);
        Assert.Contains(x.Grad!.ToArray(), v => v != 0);
    }

    [Fact]
    public void GraphWithNoOutputsIsRefusedAtLoad()
    {
        var bytes = new GraphBuilder(13).Input("x", 1, 4).Node("Relu", ["x"], ["y"]).Bytes();
        var error = Assert.Throws<InvalidDataException>(() => OnnxModel.Load(bytes, "no-outputs.onnx"));
        Assert.Contains("no-outputs.onnx", error.Message);
        Assert.Contains("no outputs", error.Message);
    }

    [Fact]
    public void GemmHonoursTransposesAlphaAndBeta()
    {
        var a = Rand(3, 4, 2); var b = Rand(4, 3, 4); var c = Rand(5, 3);
        var bytes = new GraphBuilder(13).Input("a", 4, 2).Initializer("b", b).Initializer("c", c).Output("y")
            .Node("Gemm", ["a", "b", "c"], ["y"], Int("transA", 1), Int("transB", 1), Float("alpha", 0.5f), Float("beta", 2f)).Bytes();
        var y = OnnxModel.Load(bytes).Forward(a);
        var expected = Functional.MatMul(a.T, b.T).Mul(0.5f) + c.Mul(2f).Reshape(1, 3);
        Fixture.AssertClose(expected, y, "gemm", 1e-5, 1e-5);
    }

    [Fact]
    public void SoftmaxAxisMeansFlattenBeforeOpset13AndOneAxisFrom13()
    {
        var x = Rand(6, 2, 3, 4);
        Tensor Run(int opset) => OnnxModel.Load(new GraphBuilder(opset).Input("x", 2, 3, 4).Output("y").Node("Softmax", ["x"], ["y"], Int("axis", 1)).Bytes()).Forward(x);
        Fixture.AssertClose(Functional.Softmax(x.Reshape(2, 12), 1).Reshape(2, 3, 4), Run(11), "opset 11", 1e-6, 1e-6);
        Fixture.AssertClose(Functional.Softmax(x, 1), Run(13), "opset 13", 1e-6, 1e-6);
    }

    [Fact]
    public void ClipReadsAttributesBeforeOpset11AndInputsFrom11()
    {
        var x = Rand(7, 2, 5);
        var old = OnnxModel.Load(new GraphBuilder(6).Input("x", 2, 5).Output("y").Node("Clip", ["x"], ["y"], Float("min", -0.5f), Float("max", 0.25f)).Bytes());
        var lo = Tensor.FromArray([-0.5f]); var hi = Tensor.FromArray([0.25f]);
        var current = OnnxModel.Load(new GraphBuilder(13).Input("x", 2, 5).Initializer("lo", lo.Reshape()).Initializer("hi", hi.Reshape()).Output("y")
            .Node("Clip", ["x", "lo", "hi"], ["y"]).Bytes());
        var expected = x.Clamp(-0.5f, 0.25f);
        Fixture.AssertClose(expected, old.Forward(x), "opset 6", 0, 0);
        Fixture.AssertClose(expected, current.Forward(x), "opset 13", 0, 0);
    }

    [Fact]
    public void AsymmetricConvPaddingAndCeilModePoolingPadExplicitly()
    {
        var x = Rand(8, 1, 2, 5, 5); var w = Rand(9, 3, 2, 3, 3);
        var conv = OnnxModel.Load(new GraphBuilder(13).Input("x", -1, 2, 5, 5).Initializer("w", w).Output("y")
            .Node("Conv", ["x", "w"], ["y"], Ints("pads", 0, 1, 2, 1), Ints("strides", 2, 1)).Bytes());
        var expected = Functional.Conv2d(x.Pad([1, 1, 0, 2]), w, null, (2, 1), (0, 0), (1, 1));
        Fixture.AssertClose(expected, conv.Forward(x), "asymmetric conv", 1e-5, 1e-5);

        var pool = OnnxModel.Load(new GraphBuilder(13).Input("x", -1, 2, 5, 5).Output("y")
            .Node("MaxPool", ["x"], ["y"], Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), Int("ceil_mode", 1)).Bytes());
        var y = pool.Forward(x);
        Assert.Equal([1, 2, 3, 3], y.Shape);
        Assert.Equal(x[0, 1, 4, 4], y[0, 1, 2, 2]);
    }

    [Fact]
    public void ReshapeCopiesZeroDimensionsAndInfersMinusOne()
    {
        var x = Rand(10, 2, 3, 4);
        var m = OnnxModel.Load(new GraphBuilder(13).Input("x", -1, 3, 4).IntInitializer("shape", 0, -1).Output("y").Node("Reshape", ["x", "shape"], ["y"]).Bytes());
        Assert.Equal([2, 12], m.Forward(x).Shape);
        Assert.Equal(x.ToArray(), m.Forward(x).ToArray());
    }

    [Fact]
    public void UnsupportedOpIsNamedWithNodeAndOpset()
    {
        var bytes = new GraphBuilder(13).Input("x", 2).Output("y").Node("Relu", ["x"], ["r"]).Node("Hardmax", ["r"], ["y"]).Bytes();
        var e = Assert.Throws<NotSupportedException>(() => OnnxModel.Load(bytes, "m.onnx"));
        Assert.Contains("'Hardmax'", e.Message);
        Assert.Contains("node #1 'hardmax1'", e.Message);
        Assert.Contains("opset 13", e.Message);
        Assert.Contains("m.onnx", e.Message);
    }

    [Fact]
    public void UnsupportedAttributeAndOpsetAreNamed()
    {
        var pad = new GraphBuilder(13).Input("x", 2, 2).IntInitializer("p", 1, 1, 1, 1).Output("y")
            .Node("Pad", ["x", "p"], ["y"], new Lineage.Engine.Onnx.Proto.AttributeProto { Name = "mode", S = Google.Protobuf.ByteString.CopyFromUtf8("reflect") }).Bytes();
        var e = Assert.Throws<NotSupportedException>(() => OnnxModel.Load(pad, "pad.onnx").Forward(Rand(1, 2, 2)));
        Assert.Contains("mode 'reflect'", e.Message);
        Assert.Contains("Pad, opset 13", e.Message);

        var future = new GraphBuilder(23).Input("x", 2).Output("y").Node("Relu", ["x"], ["y"]).Bytes();
        Assert.Contains("opset 23", Assert.Throws<NotSupportedException>(() => OnnxModel.Load(future, "f.onnx")).Message);
    }

    /// <summary>Opset 18 made the axes of every reduction an input (ReduceSum's since 13) and gave Pad an axes input.</summary>
    [Fact]
    public void Opset18ReductionsAndPadTakeTheirAxesAsInputs()
    {
        var x = Rand(30, 2, 3, 4, 5);
        using var _ = GradMode.NoGrad();
        foreach (var (op, expected) in new (string, Tensor)[] { ("ReduceMean", x.Mean([1, 3])), ("ReduceMax", x.Max([1, 3])), ("ReduceL2", x.Square().Sum([1, 3]).Sqrt()) })
        {
            var bytes = new GraphBuilder(18).Input("x", 2, 3, 4, 5).IntInitializer("axes", 1, -1).Output("y")
                .Node(op, ["x", "axes"], ["y"], Int("keepdims", 0)).Bytes();
            Assert.Equal(expected.ToArray(), OnnxModel.Load(bytes).Forward(x).ToArray());
        }
        // pads (1, 2) before and (0, 3) after on axes 3 and 1 only
        var pad = new GraphBuilder(18).Input("x", 2, 3, 4, 5).IntInitializer("pads", 1, 2, 0, 3).IntInitializer("axes", 3, 1).Output("y")
            .Node("Pad", ["x", "pads", "", "axes"], ["y"]).Bytes();
        var padded = OnnxModel.Load(pad).Forward(x);
        Assert.Equal([2, 8, 4, 6], padded.Shape);
        Assert.Equal(x.Pad([1, 0, 0, 0, 2, 3], 0f).ToArray(), padded.ToArray());
    }

    /// <summary>Split into equal parts (opset 13), and at opset 18 into num_outputs parts with a smaller last one; the
    /// gradient of a weighted sum of the parts reaches every input element (finite differences).</summary>
    [Fact]
    public void SplitPartsAndTheirGradients()
    {
        var x = Rand(33, 2, 7, 3);
        using (GradMode.NoGrad())
        {
            var parts = OnnxModel.Load(new GraphBuilder(18).Input("x", 2, 7, 3).Output("a").Output("b").Output("c")
                .Node("Split", ["x"], ["a", "b", "c"], Int("axis", 1), Int("num_outputs", 3)).Bytes()).Run(new Dictionary<string, Tensor> { ["x"] = x });
            Assert.Equal(x.Slice(1, 0, 3).ToArray(), parts["a"].ToArray());
            Assert.Equal(x.Slice(1, 3, 6).ToArray(), parts["b"].ToArray());
            Assert.Equal(x.Slice(1, 6, 7).ToArray(), parts["c"].ToArray());
        }
        var equal = new GraphBuilder(13).Input("x", 2, 6).Output("y")
            .Node("Split", ["x"], ["p", "q"], Int("axis", 1)).Node("Mul", ["p", "q"], ["y"]).Bytes();
        GradCheck.Check(t => OnnxModel.Load(equal, "split.onnx", new OnnxImportOptions { TrainableInitializers = false }).Forward(t[0]), [Rand(34, 2, 6)]);
    }

    /// <summary>An attention mask as exported: Where(mask, scores, −∞) then Softmax; masked positions get probability 0
    /// and no gradient, the others the softmax over the unmasked ones (no NaN from −∞·0). And Max of two tensors.</summary>
    [Fact]
    public void FloatWhereMasksAndMaxPassGradients()
    {
        var model = BoolMaskedSoftmax();
        var x = Rand(35, 2, 4).RequireGrad();
        var y = model.Forward(x);
        var yd = y.ToArray();
        for (int r = 0; r < 2; r++)
        {
            Assert.Equal(0f, yd[r * 4 + 1]); Assert.Equal(0f, yd[r * 4 + 3]);
            Assert.Equal(1f, yd[r * 4] + yd[r * 4 + 2], 5);
        }
        var g = Autograd.Grad((y * Rand(36, 2, 4)).Sum(), [x])[0]!.ToArray();
        Assert.All(g, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(0f, g[1]); Assert.Equal(0f, g[3]);
        Assert.NotEqual(0f, g[0]);

        var max = new GraphBuilder(13).Input("a", 2, 3).Input("b", 3).Output("y").Node("Max", ["a", "b"], ["y"]).Bytes();
        GradCheck.Check(t => OnnxModel.Load(max, "max.onnx").Run(new Dictionary<string, Tensor> { ["a"] = t[0], ["b"] = t[1] })["y"], [Rand(37, 2, 3), Rand(38, 3)]);
    }

    /// <summary>Float comparisons give booleans element by element (read back through Where): ∞ equals ∞, NaN compares false.</summary>
    [Fact]
    public void FloatComparisonsFollowIeee()
    {
        float inf = float.PositiveInfinity, nan = float.NaN;
        var a = Tensor.FromArray([1f, inf, nan, -2f], 4);
        var b = Tensor.FromArray([1f, inf, nan, 3f], 4);
        var zero = Tensor.FromArray([0f], 1);
        var one = Tensor.FromArray([1f], 1);
        Tensor Run(string op)
            => OnnxModel.Load(new GraphBuilder(13).Input("a", 4).Input("b", 4).Initializer("one", one).Initializer("zero", zero).Output("y")
                .Node(op, ["a", "b"], ["c"]).Node("Where", ["c", "one", "zero"], ["y"]).Bytes(), "cmp.onnx", new OnnxImportOptions { TrainableInitializers = false })
                .Run(new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b })["y"];
        Assert.Equal([1f, 1f, 0f, 0f], Run("Equal").ToArray());
        Assert.Equal([0f, 0f, 0f, 1f], Run("Less").ToArray());
        Assert.Equal([1f, 1f, 0f, 0f], Run("GreaterOrEqual").ToArray());
        Assert.Equal([0f, 0f, 0f, 0f], Run("Greater").ToArray());
    }

    /// <summary>softmax over Where(keep, x, −∞) along the last axis, keep a boolean initializer: columns 0 and 2 kept.</summary>
    static OnnxModel BoolMaskedSoftmax()
    {
        var graph = new GraphBuilder(13).Input("x", 2, 4).Output("y")
            .Initializer("neg", Tensor.FromArray([float.NegativeInfinity], 1))
            .BoolInitializer("keep", 1, 0, 1, 0)
            .Node("Where", ["keep", "x", "neg"], ["masked"]).Node("Softmax", ["masked"], ["y"], Int("axis", 1));
        return OnnxModel.Load(graph.Bytes(), "masked.onnx", new OnnxImportOptions { TrainableInitializers = false });
    }

    /// <summary>Mish (opset 18) and Gelu (opset 20, exact and tanh), ops of their own where earlier exports spelled them
    /// out, against their formulas; Mish's input gradient by finite differences.</summary>
    [Fact]
    public void MishAndGeluOpsMatchTheirFormulas()
    {
        var x = Rand(31, 3, 7);
        Tensor Run(int opset, string op, params Lineage.Engine.Onnx.Proto.AttributeProto[] attributes)
            => OnnxModel.Load(new GraphBuilder(opset).Input("x", 3, 7).Output("y").Node(op, ["x"], ["y"], attributes).Bytes()).Forward(x);
        var tanh = new Lineage.Engine.Onnx.Proto.AttributeProto { Name = "approximate", S = Google.Protobuf.ByteString.CopyFromUtf8("tanh") };
        var expectedTanh = x.ToArray().Select(v => 0.5f * v * (1f + MathF.Tanh(MathF.Sqrt(2f / MathF.PI) * (v + 0.044715f * v * v * v)))).ToArray();
        var expectedMish = x.ToArray().Select(v => v * MathF.Tanh(MathF.Log(1f + MathF.Exp(v)))).ToArray();
        using (GradMode.NoGrad())
        {
            Assert.Equal(x.Gelu().ToArray(), Run(20, "Gelu").ToArray());
            Fixture.AssertClose(Tensor.FromArray(expectedTanh, 3, 7), Run(20, "Gelu", tanh), "gelu tanh", 1e-6, 1e-5);
            Fixture.AssertClose(Tensor.FromArray(expectedMish, 3, 7), Run(18, "Mish"), "mish", 1e-6, 1e-5);
        }
        GradCheck.Check(t => OnnxModel.Load(new GraphBuilder(18).Input("x", 3, 7).Output("y").Node("Mish", ["x"], ["y"]).Bytes(), "mish.onnx",
            new OnnxImportOptions { TrainableInitializers = false }).Forward(t[0]), [Rand(32, 3, 7)]);
    }

    [Fact]
    public void CorruptFilesNameTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"lineage-corrupt-{Environment.ProcessId}.onnx");
        File.WriteAllBytes(path, [0x0a, 0xff, 0xff, 0x01, 0x02]);
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => OnnxModel.Load(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("not a valid ONNX model", e.Message);
        }
        finally { File.Delete(path); }

        var truncated = File.ReadAllBytes(Fixture.PathOf("onnx/torch_small_cnn.onnx"))[..4000];
        Assert.Contains("cut.onnx", Assert.Throws<InvalidDataException>(() => OnnxModel.Load(truncated, "cut.onnx")).Message);

        var dangling = new GraphBuilder(13).Input("x", 2).Output("y").Node("Relu", ["nowhere"], ["y"]).Bytes();
        Assert.Contains("input 'nowhere' is not produced", Assert.Throws<InvalidDataException>(() => OnnxModel.Load(dangling, "d.onnx")).Message);
    }

    [Fact]
    public void WrongInputShapeIsReported()
    {
        var model = OnnxModel.Load(Fixture.PathOf("onnx/torch_small_cnn.onnx"));
        var e = Assert.Throws<ArgumentException>(() => model.Forward(Rand(1, 2, 1, 16, 16)));
        Assert.Contains("[?, 3, 16, 16]", e.Message);
    }
}
