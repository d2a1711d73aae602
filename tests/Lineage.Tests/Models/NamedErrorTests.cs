using Lineage.Data;
using Lineage.Engine;
using Lineage.Engine.IO;
using Lineage.Fingerprints;
using Lineage.Fingerprints.Sac;
using Lineage.Models;
using Lineage.Models.Architectures;
using Lineage.Models.Training;

namespace Lineage.Tests.Models;

/// <summary>Errors that used to be clear but named nothing (issue 19, defect 3): each now says which file,
/// key or model is at fault.</summary>
public class NamedErrorTests
{
    static readonly DatasetPair Shapes = DatasetCatalog.Load("shapes", new DatasetLoadOptions { TrainCount = 96, TestCount = 10, Seed = 3 });

    static Classifier Mlp(int seed = 1) => ArchitectureCatalog.Create(new ArchitectureSpec { Name = "mlp", InChannels = 1, ImageSize = 28, Classes = 10 }, new Generator(seed));

    /// <summary>Saves a small model, then rewrites one metadata entry (the weights' hash is unaffected).</summary>
    static string ModelWithMetadata(string dir, string key, string value)
    {
        var path = Path.Combine(dir, "m.lnm");
        new ModelFile { Model = Mlp(), Preprocessing = Shapes.Train.Preprocessing, TrainedOn = "shapes", Lineage = ModelLineage.Trained("mlp", "shapes", 1, new Dictionary<string, string>()), TestAccuracy = 0.5 }.Save(path);
        var content = SafeTensors.Load(path);
        content.Metadata[key] = value;
        SafeTensors.Save(path, content.Tensors, content.Metadata);
        return path;
    }

    [Theory]
    [InlineData("lineage.preprocessing", "{\"mean\":[0.5],\"std\":[-1],\"shape\":[1,28,28]}", "std values must be positive")]
    [InlineData("lineage.test_accuracy", "abc", "'lineage.test_accuracy' is \"abc\"")]
    [InlineData("lineage.created", "yesterday", "'lineage.created'")]
    // found by the model fuzz harness: the mismatch surfaced only at the first query, as "linear: input has 30 features"
    [InlineData("lineage.preprocessing", "{\"mean\":[0.5],\"std\":[1],\"shape\":[1,28,20]}", "its preprocessing takes 1x28x20 images, its architecture mlp(1x28x28 -> 10, width 1) takes 1x28x28")]
    public void BadModelMetadataNamesTheFileAndWhatIsWrong(string key, string value, string expected)
    {
        var dir = Directory.CreateTempSubdirectory("lineage-named-");
        try
        {
            var path = ModelWithMetadata(dir.FullName, key, value);
            var error = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));
            Assert.Contains(path, error.Message);
            Assert.Contains(expected, error.Message);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void AForgedArchitectureAllocatesNoMoreThanTheFileHolds()
    {
        // found writing the model fuzz harness's report: "vgg16 at width 50" in a 5 KiB file allocated 10.8 GB and
        // initialised it for over a minute before its weights were compared with the file's
        var dir = Directory.CreateTempSubdirectory("lineage-named-");
        try
        {
            var path = ModelWithMetadata(dir.FullName, "lineage.architecture", "{\"Name\":\"mlp\",\"InChannels\":1,\"ImageSize\":28,\"Classes\":10,\"Width\":4}");
            long before = GC.GetAllocatedBytesForCurrentThread();
            var error = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Contains(path, error.Message);
            Assert.Contains("needs more than the 535818 values the file holds", error.Message);
            // reading the file's 535,818 weights takes about 4 MiB; width 4 would have taken over 40 MiB more
            Assert.True(allocated < 12 << 20, $"{allocated >> 20} MiB allocated");
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void NonFiniteSourceIsReportedAsTheSourceNotAsASuspect()
    {
        var source = new SourceModel
        {
            Name = "broken.lnm", Hash = "h", Preprocessing = Shapes.Train.Preprocessing, Classes = 10,
            Logits = x => Tensor.Full(float.NaN, x.Shape[0], 10),
        };
        var error = Assert.Throws<InvalidDataException>(() => FingerprintCreation.Create("sac-m", new CreationContext { Source = source, OwnerData = Shapes.Train, Seed = 1 }, new Dictionary<string, string> { ["samples"] = "10" }, new RuleOptions { Threshold = 0.05 }));
        Assert.Contains("source model broken.lnm", error.Message);
        Assert.DoesNotContain("suspect", error.Message);
    }

    [Fact]
    public void CheckpointOfAnotherArchitectureNamesTheCheckpoint()
    {
        var dir = Directory.CreateTempSubdirectory("lineage-named-");
        try
        {
            var ckpt = Path.Combine(dir.FullName, "run.checkpoint");
            var options = new TrainingOptions { Epochs = 1, BatchSize = 32, LearningRate = 0.01, Seed = 2 };
            Trainer.Train(Mlp(), Shapes.Train.Preprocessing, Shapes.Train, options, checkpointPath: ckpt);
            var other = ArchitectureCatalog.Create(new ArchitectureSpec { Name = "cnn-c", InChannels = 1, ImageSize = 28, Classes = 10, Width = 0.25f }, new Generator(1));
            var error = Assert.Throws<InvalidDataException>(() => Trainer.Train(other, Shapes.Train.Preprocessing, Shapes.Train, options, checkpointPath: ckpt));
            Assert.Contains(ckpt, error.Message);
            Assert.Contains("was written for mlp", error.Message);
        }
        finally { dir.Delete(true); }
    }
}
