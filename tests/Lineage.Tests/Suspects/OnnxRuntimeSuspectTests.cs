using System.Text.Json;
using Lineage.Data;
using Lineage.Engine;
using Lineage.Engine.Nn;
using Lineage.Engine.Onnx;
using Lineage.Fingerprints;
using Lineage.Fingerprints.Sac;
using Lineage.Models.Architectures;
using Lineage.Suspects;
using Lineage.Suspects.Remote;

namespace Lineage.Tests.Suspects;

/// <summary>Black-box ONNX suspects on ONNX Runtime: the same answers as the engine's importer on models both can
/// run, answers where the importer refuses an op, and one-line errors for files ONNX Runtime refuses.</summary>
public sealed class OnnxRuntimeSuspectTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("lineage-ort-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>Models exported by torch.onnx.export (opset 11, dynamic batch, BN/pool/Clip/LeakyRelu/residual
    /// adds), committed with the engine's import tests; the inputs are the ones PyTorch was run on.</summary>
    [Theory]
    [InlineData("torch_small_cnn")]
    [InlineData("torch_small_resnet")]
    public void BothRuntimesAgreeOnTorchExportedModels(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "onnx", name + ".onnx");
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(path, ".json")));
        var input = doc.RootElement.GetProperty("input");
        int[] shape = input.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var x = Tensor.FromArray(input.GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray(), shape);

        using var ort = OnnxRuntimeClassifier.Open(path, Preprocessing.Identity(shape[1], shape[2], shape[3]), threads: 2);
        // a server's session, whose threads spin between runs (the default session's do not): the same outputs
        using var spinning = OnnxRuntimeClassifier.Open(path, Preprocessing.Identity(shape[1], shape[2], shape[3]), threads: 2, spinning: true);
        var engine = OnnxModel.Load(path);
        using (GradMode.NoGrad())
        {
            var expected = engine.Forward(x);
            var actual = ort.Run(x);
            Assert.Equal(expected.Shape, actual.Shape);
            AssertClose(expected.ToArray(), actual.ToArray(), 1e-4f);
            Assert.Equal(actual.ToArray(), spinning.Run(x).ToArray());
        }
    }

    /// <summary>A model exported by the engine's own exporter, as a suspect through the factory on either runtime,
    /// with the fingerprint's declared (non-identity) preprocessing applied by both.</summary>
    [Fact]
    public void BothRuntimesGiveTheSameSuspectOutputs()
    {
        var net = ArchitectureCatalog.Create(new ArchitectureSpec { Name = "resnet20", InChannels = 3, ImageSize = 32, Classes = 10, Width = 0.25f }, new Generator(5));
        var path = Path.Combine(dir, "resnet20.onnx");
        OnnxExporter.Export(net, [3, 32, 32], path);
        var queries = Tensor.Rand(new Generator(6), 300, 3, 32, 32);   // more than one batch of 256

        var viaOrt = SuspectFactory.Open(path, Preprocessing.Cifar10);
        var viaEngine = SuspectFactory.Open(path, Preprocessing.Cifar10, onnxRuntime: OnnxSuspectRuntime.Engine);
        Assert.Equal(10, viaOrt.Classes);
        AssertClose(viaEngine.Query(queries).Values!, viaOrt.Query(queries).Values!, 1e-4f);
    }

    /// <summary>A PyTorch export with a sine activation (Sin), an op outside the importer's table (committed with the engine's import
    /// tests, PyTorch's outputs beside it): the importer refuses the file; ONNX Runtime runs it as PyTorch computed it,
    /// and a fingerprint of it verifies against it.</summary>
    [Fact]
    public void AModelTheImporterRefusesVerifiesThroughOnnxRuntime()
    {
        var path = SineFixture(out var x, out var pytorch);
        var refused = Assert.Throws<NotSupportedException>(() => OnnxModel.Load(path));
        Assert.Contains("Sin", refused.Message);
        using (var ort = OnnxRuntimeClassifier.Open(path, Preprocessing.Identity(1, 28, 28), threads: 2))
            AssertClose(pytorch, ort.Run(x).ToArray(), 1e-4f);

        var owner = DatasetCatalog.Load("shapes", new DatasetLoadOptions { TrainCount = 200, TestCount = 20, Seed = 3 }).Train;
        using var asSource = OnnxRuntimeClassifier.Open(path, owner.Preprocessing, threads: 2);
        var source = new SourceModel { Name = "sine", Hash = "sine", Preprocessing = owner.Preprocessing, Classes = 10, Logits = asSource.Logits };
        var fp = FingerprintCreation.Create("sac-m", new CreationContext { Source = source, OwnerData = owner, Seed = 1 }, new Dictionary<string, string> { ["samples"] = "30" }, new RuleOptions { Threshold = 0.01 });

        var suspect = SuspectFactory.Open(path, fp.Preprocessing);
        var verdict = FingerprintVerifier.Verify(fp, suspect);
        Assert.True(verdict.Stolen);
        Assert.Equal(0.0, verdict.Score, 4);

        // the engine runtime, asked for explicitly, still refuses it with the importer's message
        Assert.Throws<NotSupportedException>(() => SuspectFactory.Open(path, fp.Preprocessing, onnxRuntime: OnnxSuspectRuntime.Engine));
    }

    [Fact]
    public void AServedOnnxModelRunsOnOnnxRuntimeEvenWhenTheImporterRefusesIt()
    {
        var path = SineFixture(out _, out _);
        using var server = InferenceServer.FromOnnx(path, Preprocessing.Shapes28, new InferenceServerOptions { Name = "sine" });
        var remote = SuspectFactory.Open(server.ModelUrl, Preprocessing.Shapes28, remote: new RemoteSuspectOptions { Classes = 10, Timeout = TimeSpan.FromSeconds(20) });
        var local = SuspectFactory.Open(path, Preprocessing.Shapes28);
        var images = Tensor.Rand(new Generator(9), 8, 1, 28, 28);
        AssertClose(local.Query(images).Values!, remote.Query(images).Values!, 1e-5f);
        Assert.Throws<NotSupportedException>(() => InferenceServer.FromOnnx(path, Preprocessing.Shapes28, new InferenceServerOptions(), OnnxSuspectRuntime.Engine));
    }

    /// <summary>torch_sine_mlp.onnx (Flatten, Gemm, Sin, Gemm; 1×28×28 inputs, 10 classes), its input batch and
    /// PyTorch's logits for it.</summary>
    static string SineFixture(out Tensor input, out float[] pytorchOutput)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "onnx", "torch_sine_mlp.onnx");
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(path, ".json")));
        var x = doc.RootElement.GetProperty("input");
        input = Tensor.FromArray(x.GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray(), x.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        pytorchOutput = doc.RootElement.GetProperty("output").GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        return path;
    }

    [Fact]
    public void AFileOnnxRuntimeRefusesFailsWithOneLineNamingIt()
    {
        var path = Path.Combine(dir, "corrupt.onnx");
        File.WriteAllBytes(path, [0x08, 0x07, 0x12, 0xff, 0xff, 0x01, 0x02]);
        var e = Assert.Throws<InvalidDataException>(() => SuspectFactory.Open(path, Preprocessing.Shapes28));
        Assert.Contains(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void AModelThatIsNotAClassifierOfTheDeclaredShapeIsRefused()
    {
        var gen = new Generator(10);
        var path = Path.Combine(dir, "wrong-input.onnx");
        OnnxExporter.Export(new Sequential(new Flatten(), new Linear(3 * 32 * 32, 10, gen)), [3, 32, 32], path);
        var e = Assert.Throws<InvalidDataException>(() => SuspectFactory.Open(path, Preprocessing.Shapes28));
        Assert.Contains(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);

        var scalar = Path.Combine(dir, "one-output.onnx");
        OnnxExporter.Export(new Sequential(new Flatten(), new Linear(28 * 28, 1, gen)), [1, 28, 28], scalar);
        var notClassifier = Assert.Throws<InvalidDataException>(() => SuspectFactory.Open(scalar, Preprocessing.Shapes28));
        Assert.Contains("expected a classifier with output [N, classes]", notClassifier.Message);
    }

    static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = MathF.Max(worst, MathF.Abs(expected[i] - actual[i]));
        Assert.True(worst <= tolerance, $"largest difference {worst} over {tolerance}");
    }
}
