using Lineage.Data;
using Lineage.Engine;
using Lineage.Engine.IO;
using Lineage.Files;
using Lineage.Models.Architectures;
using Lineage.Models.Training;

namespace Lineage.Tests.Models;

/// <summary>A training checkpoint is resumed only when it is intact and its state makes sense (issue 19,
/// defect 4): a flipped bit, an edited epoch count or a forged but re-hashed one is refused, naming the file.</summary>
public sealed class CheckpointIntegrityTests : IDisposable
{
    static readonly DatasetPair Shapes = DatasetCatalog.Load("shapes", new DatasetLoadOptions { TrainCount = 96, TestCount = 10, Seed = 4 });
    static readonly TrainingOptions TwoEpochs = new() { Epochs = 2, BatchSize = 32, LearningRate = 0.01, Seed = 3 };

    readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("lineage-ckpt-");
    public void Dispose() => dir.Delete(true);

    static Classifier Mlp() => ArchitectureCatalog.Create(new ArchitectureSpec { Name = "mlp", InChannels = 1, ImageSize = 28, Classes = 10 }, new Generator(1));

    /// <summary>A checkpoint after epoch 1 of 2, left by a run cancelled as epoch 2 began.</summary>
    string CheckpointAfterOneEpoch()
    {
        var path = Path.Combine(dir.FullName, "X.checkpoint");
        using var cts = new CancellationTokenSource();
        var cancelInEpochTwo = new Progress(p => { if (p.Epoch == 2) cts.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => Trainer.Train(Mlp(), Shapes.Train.Preprocessing, Shapes.Train, TwoEpochs, progress: cancelInEpochTwo, checkpointPath: path, cancel: cts.Token));
        Assert.True(File.Exists(path));
        return path;
    }

    sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    InvalidDataException ResumeFails(string path)
    {
        var error = Assert.Throws<InvalidDataException>(() => Trainer.Train(Mlp(), Shapes.Train.Preprocessing, Shapes.Train, TwoEpochs, checkpointPath: path));
        Assert.Contains(path, error.Message);
        return error;
    }

    [Fact]
    public void IntactCheckpointResumes()
    {
        var path = CheckpointAfterOneEpoch();
        var report = Trainer.Train(Mlp(), Shapes.Train.Preprocessing, Shapes.Train, TwoEpochs, checkpointPath: path);
        Assert.Equal(1, report.ResumedFromEpoch);
    }

    [Fact]
    public void FlippedWeightBitsAreRefused()
    {
        var path = CheckpointAfterOneEpoch();
        var bytes = File.ReadAllBytes(path);
        var random = new Random(5);
        for (int i = 0; i < 1000; i++)
        {
            int at = bytes.Length - 1 - random.Next(bytes.Length / 2);   // the data section's tail: weights, not the header
            bytes[at] ^= (byte)(1 << random.Next(8));
        }
        File.WriteAllBytes(path, bytes);
        Assert.Contains("damaged or was edited", ResumeFails(path).Message);
    }

    [Fact]
    public void OneChangedMetadataByteIsRefused()
    {
        var path = CheckpointAfterOneEpoch();
        var content = SafeTensors.Load(path);
        content.Metadata["epochs_done"] = "2";   // claims to be finished, hash left as it was
        SafeTensors.Save(path, content.Tensors, content.Metadata);
        Assert.Contains("damaged or was edited", ResumeFails(path).Message);
    }

    [Theory]
    [InlineData("99")]
    [InlineData("-1")]
    [InlineData("one")]
    public void ImpossibleEpochCountIsRefusedEvenWhenRehashed(string epochsDone)
    {
        var path = CheckpointAfterOneEpoch();
        var content = SafeTensors.Load(path);
        content.Metadata["epochs_done"] = epochsDone;
        content.Metadata.Remove("content_sha256");
        content.Metadata["content_sha256"] = ContentHash.Of(content.Tensors, content.Metadata);
        SafeTensors.Save(path, content.Tensors, content.Metadata);
        Assert.Contains($"epochs_done = '{epochsDone}'", ResumeFails(path).Message);
    }

    [Fact]
    public void ANonFiniteWeightIsRefusedEvenWhenRehashed()
    {
        // found by the checkpoint fuzz harness: a rehashed NaN resumed and then failed as 'training diverged (lower the learning rate)'
        var path = CheckpointAfterOneEpoch();
        var content = SafeTensors.Load(path);
        var weight = content.Tensors.Keys.First(k => k.StartsWith("model.", StringComparison.Ordinal));
        content.Tensors[weight].Span[0] = float.NaN;
        content.Metadata.Remove("content_sha256");
        content.Metadata["content_sha256"] = ContentHash.Of(content.Tensors, content.Metadata);
        SafeTensors.Save(path, content.Tensors, content.Metadata);
        Assert.Contains($"non-finite value in '{weight}'", ResumeFails(path).Message);
    }

    [Fact]
    public void CheckpointWithoutAHashIsRefused()
    {
        var path = CheckpointAfterOneEpoch();
        var content = SafeTensors.Load(path);
        content.Metadata.Remove("content_sha256");
        content.Metadata.Remove("format");
        SafeTensors.Save(path, content.Tensors, content.Metadata);
        Assert.Contains("no integrity hash", ResumeFails(path).Message);
    }
}
