using Lineage.Engine.Nn;
using Lineage.Engine.Onnx;

namespace Lineage.Engine.Tests.Onnx;

public class OnnxExportTests
{
    /// <summary>A block with its own Forward (a skip connection), which only tracing can export; fused, its
    /// batch norms run with the ReLU and the residual add (exported as BatchNormalization, Add, Relu).</summary>
    sealed class Residual : Module
    {
        readonly Conv2d conv1, conv2;
        readonly BatchNorm2d bn1, bn2;
        readonly bool fused;
        public Residual(int channels, Generator gen, bool fused = false)
        {
            this.fused = fused;
            conv1 = RegisterModule("conv1", new Conv2d(channels, channels, 3, gen, padding: 1, bias: false));
            bn1 = RegisterModule("bn1", new BatchNorm2d(channels));
            conv2 = RegisterModule("conv2", new Conv2d(channels, channels, 3, gen, padding: 1, bias: false));
            bn2 = RegisterModule("bn2", new BatchNorm2d(channels));
        }
        public override Tensor Forward(Tensor input) => fused
            ? bn2.Forward(conv2.Forward(bn1.Forward(conv1.Forward(input), residual: null, relu: true)), residual: input, relu: true)
            : (bn2.Forward(conv2.Forward(bn1.Forward(conv1.Forward(input)).Relu())) + input).Relu();
    }

    static Sequential Cnn(Generator gen) => new(
        new Conv2d(3, 6, 3, gen, padding: 1), new BatchNorm2d(6), new ReLU(), new MaxPool2d(2),
        new Conv2d(6, 8, 3, gen, stride: 2, padding: 1, groups: 2), new LeakyReLU(0.1f), new AvgPool2d(2, padding: 1, countIncludePad: false),
        new Flatten(), new Dropout(0.5f, gen), new Linear(8 * 2 * 2, 10, gen), new ELU(0.7f));

    static Sequential ResNet(Generator gen) => new(
        new Conv2d(3, 8, 3, gen, padding: 1), new BatchNorm2d(8), new PReLU(8), new Residual(8, gen), new Residual(8, gen, fused: true),
        new AdaptiveAvgPool2d(1), new Flatten(), new Linear(8, 4, gen), new Sigmoid());

    /// <summary>Gives batch norms non-trivial statistics, as after training.</summary>
    static void Randomise(Module m, Generator gen)
    {
        foreach (var (_, mod) in m.NamedModules())
            if (mod is BatchNorm2d bn)
            {
                Tensor.Uniform(gen, -0.3f, 0.3f, bn.NumFeatures).Span.CopyTo(bn.RunningMean!.Span);
                Tensor.Uniform(gen, 0.5f, 1.5f, bn.NumFeatures).Span.CopyTo(bn.RunningVar!.Span);
                Tensor.Uniform(gen, 0.5f, 1.5f, bn.NumFeatures).Span.CopyTo(bn.Weight!.Span);
            }
    }

    static string ExportDirectory()
    {
        // kept beside the test assembly so tools/onnx/check_exported.py can run onnx.checker over them
        var dir = Path.Combine(AppContext.BaseDirectory, "onnx-export");
        Directory.CreateDirectory(dir);
        return dir;
    }

    [Theory]
    [InlineData("cnn")]
    [InlineData("resnet")]
    public void ExportedModelsImportBackWithTheSameOutputsForAnyBatch(string which)
    {
        var gen = new Generator(3);
        Module model = which == "cnn" ? Cnn(gen) : ResNet(gen);
        Randomise(model, gen);
        model.Train();
        var path = Path.Combine(ExportDirectory(), which + ".onnx");
        OnnxExporter.Export(model, [3, 12, 12], path);
        Assert.True(model.Training, "export restores the training mode");

        model.Eval();
        var imported = OnnxModel.Load(path);
        Assert.Equal(OnnxExporter.Opset, imported.Opset);
        Assert.Equal([-1, 3, 12, 12], imported.Inputs[0].Shape);
        foreach (var batch in new[] { 1, 3 })
        {
            var x = Tensor.Randn(new Generator((ulong)batch), batch, 3, 12, 12);
            using var _ = GradMode.NoGrad();
            Fixture.AssertClose(model.Forward(x), imported.Forward(x), $"{which} batch {batch}", 1e-5, 1e-5);
        }
        // parameters and buffers keep their state-dict names (dots become underscores on import)
        foreach (var (name, t) in model.StateDict().Where(kv => !kv.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal)))
            Assert.Equal(t.ToArray(), imported.Initializer(name).ToArray());
    }

    [Fact]
    public void OpsWithoutAnOnnxMappingAreNamed()
    {
        var gen = new Generator(4);
        var model = new Sequential(new Conv2d(1, 2, 3, gen), new Upsample(2));
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.ExportToBytes(model, [1, 6, 6]));
        Assert.Contains("'upsample_nearest2d'", e.Message);
    }

    [Fact]
    public void RecordedOpsCarryTheirSettingsOnlyWhenRecorded()
    {
        var x = Tensor.Randn(new Generator(5), 1, 2, 5, 5).RequireGrad();
        var w = Tensor.Randn(new Generator(6), 4, 1, 3, 3);
        var y = Functional.Conv2d(x, w, null, (2, 1), (1, 0), (1, 1), groups: 2);
        Assert.Equal(new ConvArgs((2, 1), (1, 0), (1, 1), 2), y.Args);
        Assert.Equal(new ScalarArgs(0.2f), x.LeakyRelu(0.2f).Args);
        using var _ = GradMode.NoGrad();
        Assert.Null(Functional.Conv2d(x, w, null, (2, 1), (1, 0), (1, 1), groups: 2).Args);
    }
}
