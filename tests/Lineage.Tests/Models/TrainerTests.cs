using Lineage.Data;
using Lineage.Engine;
using Lineage.Models;
using Lineage.Models.Architectures;
using Lineage.Models.Training;

namespace Lineage.Tests.Models;

public class TrainerTests
{
    static readonly DatasetPair Shapes = DatasetCatalog.Load("shapes", new DatasetLoadOptions { TrainCount = 3000, TestCount = 500, Seed = 3 });

    static Classifier NewModel() => ArchitectureCatalog.Create(new ArchitectureSpec { Name = "cnn-c", InChannels = 1, ImageSize = 28, Classes = 10, Width = 0.5f }, new Generator(7));

    static readonly TrainingOptions Quick = new() { Epochs = 4, BatchSize = 64, LearningRate = 0.05, Seed = 5 };

    [Fact]
    public void LearnsTheShapesWellAboveChance()
    {
        var model = NewModel();
        var progress = new List<TrainingProgress>();
        var report = Trainer.Train(model, Shapes.Train.Preprocessing, Shapes.Train, Quick, test: Shapes.Test, progress: new SyncProgress(progress));
        Assert.Equal(4, report.Epochs.Count);
        Assert.True(report.TestAccuracy > 0.35, $"test accuracy {report.TestAccuracy:P1}");
        Assert.True(report.Epochs[^1].Loss < report.Epochs[0].Loss);
        Assert.Equal(4 * (3000 / 64), progress.Count);
    }

    [Fact]
    public void SameSeedSameRunAndResumeContinuesExactly()
    {
        var dir = Directory.CreateTempSubdirectory("lineage-trainer-");
        try
        {
            var full = NewModel();
            Trainer.Train(full, Shapes.Train.Preprocessing, Shapes.Train, Quick);
            var again = NewModel();
            Trainer.Train(again, Shapes.Train.Preprocessing, Shapes.Train, Quick);
            Assert.Equal(full.StateDict()["classifier.3.weight"].ToArray(), again.StateDict()["classifier.3.weight"].ToArray());

            // interrupted after epoch 1: a fresh process resumes from the checkpoint
            var ckpt = Path.Combine(dir.FullName, "run.ckpt");
            var first = NewModel();
            Assert.Throws<OperationCanceledException>(() => Trainer.Train(first, Shapes.Train.Preprocessing, Shapes.Train, Quick, checkpointPath: ckpt,
                progress: new CancelAfter(Quick.Epochs, 1, out var cts), cancel: cts.Token));
            var resumed = NewModel();
            var report = Trainer.Train(resumed, Shapes.Train.Preprocessing, Shapes.Train, Quick, checkpointPath: ckpt);
            Assert.Equal(1, report.ResumedFromEpoch);
            Assert.Equal(full.StateDict()["classifier.3.weight"].ToArray(), resumed.StateDict()["classifier.3.weight"].ToArray());
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void FrozenLayersStayPut()
    {
        var model = NewModel();
        var before = model.StateDict()["features.0.weight"].ToArray();
        model.SetRequiresGrad(false);
        model.Head.SetRequiresGrad(true);
        Trainer.Train(model, Shapes.Train.Preprocessing, Shapes.Train, Quick with { Epochs = 1 });
        Assert.Equal(before, model.StateDict()["features.0.weight"].ToArray());
    }

    [Fact]
    public void ModelFileRoundTripsWithLineageAndRejectsTampering()
    {
        var dir = Directory.CreateTempSubdirectory("lineage-model-");
        try
        {
            var model = NewModel();
            var file = new ModelFile
            {
                Model = model,
                Preprocessing = Shapes.Train.Preprocessing,
                TrainedOn = "shapes/train",
                Lineage = ModelLineage.Trained("cnn-c", "shapes/train", 7, new Dictionary<string, string> { ["epochs"] = "0" }),
                TestAccuracy = 0.1,
            };
            var path = Path.Combine(dir.FullName, "m.safetensors");
            file.Save(path);
            var back = ModelFile.Load(path);
            Assert.Equal(file.Hash, back.Hash);
            Assert.Equal("train", back.Lineage.Step);
            Assert.Equal(0.1, back.TestAccuracy);
            Assert.Equal(model.Spec.Name, back.Spec.Name);
            var x = Tensor.Uniform(new Generator(1), 0f, 1f, 2, 1, 28, 28);
            model.Eval();
            Assert.Equal(file.Logits(x).ToArray(), back.Logits(x).ToArray());

            var bytes = File.ReadAllBytes(path);
            bytes[^5] ^= 0x40;
            File.WriteAllBytes(path, bytes);
            Assert.Contains("hash", Assert.Throws<InvalidDataException>(() => ModelFile.Load(path)).Message);
        }
        finally { dir.Delete(recursive: true); }
    }

    sealed class SyncProgress(List<TrainingProgress> sink) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => sink.Add(value);
    }

    /// <summary>Cancels during the epoch after <paramref name="afterEpochs"/> complete epochs.</summary>
    sealed class CancelAfter : IProgress<TrainingProgress>
    {
        readonly CancellationTokenSource cts = new();
        readonly int after;
        public CancelAfter(int epochs, int afterEpochs, out CancellationTokenSource source) { after = afterEpochs; source = cts; }
        public void Report(TrainingProgress p) { if (p.Epoch > after) cts.Cancel(); }
    }
}
