using Lineage.Data;
using Lineage.Engine;
using Lineage.Engine.Onnx;
using Lineage.Fingerprints;
using Lineage.Fingerprints.Sac;
using Lineage.Models;
using Lineage.Models.Architectures;
using Lineage.Suspects;
using Lineage.Suspects.Remote;

namespace Lineage.Tests.Interop;

/// <summary>A model that lives elsewhere as ONNX: fingerprinted as the source (white-box through the imported
/// graph), verified as a local .onnx suspect, and served over HTTP from the .onnx file.</summary>
public sealed class OnnxEndToEndTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("lineage-onnx-e2e-").FullName;
    readonly Dataset owner;
    readonly ModelFile model;
    readonly string onnxPath;

    public OnnxEndToEndTests()
    {
        owner = DatasetCatalog.Load("shapes", new DatasetLoadOptions { TrainCount = 200, TestCount = 20, Seed = 3 }).Train;
        var net = ArchitectureCatalog.Create(new ArchitectureSpec { Name = "cnn-c", InChannels = 1, ImageSize = 28, Classes = 10, Width = 0.5f }, new Generator(4));
        net.Eval();
        model = new ModelFile { Model = net, Preprocessing = owner.Preprocessing, TrainedOn = "shapes", Lineage = ModelLineage.Trained("cnn-c", "shapes", 4, new Dictionary<string, string>()) };
        onnxPath = Path.Combine(dir, "model.onnx");
        OnnxExporter.Export(net, [1, 28, 28], onnxPath);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void AnOnnxSourceFingerprintsAndAnOnnxSuspectVerifies()
    {
        var source = SourceModel.FromOnnx(onnxPath, owner.Preprocessing);
        Assert.Equal(10, source.Classes);
        var fp = FingerprintCreation.Create("sac-m", new CreationContext { Source = source, OwnerData = owner, Seed = 1 }, new Dictionary<string, string> { ["samples"] = "30" }, new RuleOptions { Threshold = 0.01 });
        // the same network as a Lineage model file and as ONNX answers the same queries alike
        var fromOnnx = FingerprintVerifier.Verify(fp, SuspectFactory.Open(onnxPath, fp.Preprocessing));
        var fromFile = FingerprintVerifier.Verify(fp, new ModelSuspect("file", model.Logits, 10));
        Assert.Equal(0.0, fromOnnx.Score, 6);
        Assert.Equal(0.0, fromFile.Score, 4);
        Assert.True(fromOnnx.Stolen);
    }

    [Fact]
    public void AServedOnnxModelAnswersLikeTheLocalOne()
    {
        var fp = FingerprintCreation.Create("sac-m", new CreationContext { Source = SourceModel.FromModelFile(model, "source"), OwnerData = owner, Seed = 2 }, new Dictionary<string, string> { ["samples"] = "20" }, new RuleOptions { Threshold = 0.01 });
        using var server = InferenceServer.FromOnnx(onnxPath, owner.Preprocessing, new InferenceServerOptions { Name = "onnx" });
        var remote = SuspectFactory.Open(server.ModelUrl, fp.Preprocessing, remote: new RemoteSuspectOptions { Classes = 10, Timeout = TimeSpan.FromSeconds(20) });
        var local = FingerprintVerifier.Verify(fp, SuspectFactory.Open(onnxPath, fp.Preprocessing));
        var served = FingerprintVerifier.Verify(fp, remote);
        Assert.Equal(local.Score, served.Score, 5);
        Assert.Equal(20, served.QueriesSpent);
    }
}
