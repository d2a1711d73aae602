using System.Text.Json;
using Lineage.Data;
using Lineage.Engine;
using Lineage.Engine.IO;
using Lineage.Fingerprints;
using Lineage.Fingerprints.Sac;
using Lineage.Models;
using Lineage.Models.Architectures;
using Lineage.Suspects;

namespace Lineage.Tests.Interop;

/// <summary>
/// A CNN exported by torch.onnx.export with its normalisation inside the graph (Fixtures/torch/normalised_cnn.*,
/// made by tests/fixtures/torch/make_normalised_cnn_fixture.py) works unchanged through <c>--input raw</c>: it answers
/// as PyTorch did and gets the fingerprint the same network gets as a Lineage model file that declares the mean/std.
/// </summary>
public sealed class TorchNormalisedSourceTests
{
    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "torch", name);

    static readonly JsonElement Reference = JsonDocument.Parse(File.ReadAllText(Fixture("normalised_cnn.json"))).RootElement;

    static Tensor TensorOf(JsonElement e)
        => Tensor.FromArray(e.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray(), e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray());

    /// <summary>The exported network's weights in Lineage's cnn-c (width 0.125), declaring the mean/std the graph holds.</summary>
    static ModelFile Equivalent()
    {
        var net = ArchitectureCatalog.Create(new ArchitectureSpec { Name = "cnn-c", InChannels = 1, ImageSize = 28, Classes = 10, Width = 0.125f }, new Generator(0));
        net.LoadStateDict(SafeTensors.Load(Fixture("normalised_cnn.safetensors")).Tensors);
        net.Eval();
        var pre = new Preprocessing([Reference.GetProperty("mean").GetSingle()], [Reference.GetProperty("std").GetSingle()], [1, 28, 28]);
        return new ModelFile { Model = net, Preprocessing = pre, TrainedOn = "torch export", Lineage = ModelLineage.Trained("cnn-c", "torch export", 12, new Dictionary<string, string>()) };
    }

    static Dataset Owner() => DatasetCatalog.Load("shapes", new DatasetLoadOptions { TrainCount = 200, TestCount = 20, Seed = 5 }).Train;

    [Fact]
    public void BothFormsAnswerAsPyTorchDidAndTheDatasetDeclarationWouldNormaliseTwice()
    {
        var pixels = TensorOf(Reference.GetProperty("pixels"));
        var expected = TensorOf(Reference.GetProperty("logits")).ToArray();
        var raw = SourceModel.Open(Fixture("normalised_cnn.onnx"), Preprocessing.FashionMnist, InputDeclaration.Raw);
        Assert.Equal(Preprocessing.Identity(1, 28, 28), raw.Preprocessing);
        var fromOnnx = raw.LogitsOf(pixels);
        var fromFile = SourceModel.FromModelFile(Equivalent(), "equivalent").LogitsOf(pixels);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], fromOnnx[i], 1e-4);
            Assert.Equal(expected[i], fromFile[i], 1e-4);
        }
        // today's default (the data's mean/std) feeds the graph normalised pixels, which it normalises again
        var twice = SourceModel.Open(Fixture("normalised_cnn.onnx"), Preprocessing.FashionMnist).LogitsOf(pixels);
        Assert.True(expected.Zip(twice).Max(p => Math.Abs(p.First - p.Second)) > 0.01, "normalising twice changes the answers");
    }

    [Fact]
    public void ThroughInputRawTheExportGetsTheFingerprintTheEquivalentLineageModelGets()
    {
        var owner = Owner();
        var onnxPath = Fixture("normalised_cnn.onnx");
        var rule = new RuleOptions { Threshold = 0.01 };
        var sac = new Dictionary<string, string> { ["samples"] = "30" };
        Fingerprint Create(SourceModel source) => FingerprintCreation.Create("sac-m", new CreationContext { Source = source, OwnerData = owner, Seed = 3 }, sac, rule);
        var viaRaw = Create(SourceModel.Open(onnxPath, owner.Preprocessing, InputDeclaration.Raw));
        var viaFile = Create(SourceModel.FromModelFile(Equivalent(), "equivalent"));
        // the fingerprint records the declaration, so verification feeds an ONNX suspect raw pixels too
        Assert.Equal(Preprocessing.Identity(1, 28, 28), viaRaw.Preprocessing);
        Assert.Equal(viaFile.Queries.ToArray(), viaRaw.Queries.ToArray());
        foreach (var (x, y) in viaRaw.SourceOutput.Values!.Zip(viaFile.SourceOutput.Values!)) Assert.Equal(y, x, 1e-4);

        var stranger = ArchitectureCatalog.Create(new ArchitectureSpec { Name = "cnn-c", InChannels = 1, ImageSize = 28, Classes = 10, Width = 0.125f }, new Generator(99));
        stranger.Eval();
        var suspect = new ModelSuspect("stranger", x => stranger.Forward(Preprocessing.FashionMnist.Apply(x)), 10);
        var a = FingerprintVerifier.Verify(viaRaw, suspect);
        var b = FingerprintVerifier.Verify(viaFile, suspect);
        Assert.Equal(b.Score, a.Score, 1e-5);
        // random networks answer CutMix images much alike, hence the small distance (0.0047)
        Assert.True(a.Score > 1e-3, $"a different network is at a distance, got {a.Score}");

        // the export verified as a suspect file through either fingerprint is the source itself
        Assert.Equal(0.0, FingerprintVerifier.Verify(viaRaw, SuspectFactory.Open(onnxPath, viaRaw.Preprocessing)).Score, 4);
        var file = Path.Combine(Directory.CreateTempSubdirectory("lineage-torch-").FullName, "equivalent.safetensors");
        Equivalent().Save(file);
        Assert.Equal(0.0, FingerprintVerifier.Verify(viaRaw, SuspectFactory.Open(file, viaRaw.Preprocessing)).Score, 4);
        Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
    }
}
