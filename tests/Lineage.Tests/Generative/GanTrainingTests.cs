using Lineage.Engine;
using Lineage.Generative;
using Lineage.Models.Training;
using Lineage.Statistics;
using Lineage.Tests.Zoo;

namespace Lineage.Tests.Generative;

public sealed class GanTrainingTests
{
    static GanTrainingOptions Tiny(int iterations) => new()
    {
        Iterations = iterations, BatchSize = 32, Width = 8, LatentSize = 8, Seed = 3,
        GeneratorLr = 2e-3, DiscriminatorLr = 2e-3, CheckpointEvery = 20, ProgressEvery = 10,
    };

    /// <summary>Fréchet distance in pixel space between the data and class-balanced samples.</summary>
    static double PixelDistance(ConditionalGan gan, Lineage.Data.Dataset data)
    {
        var labels = Enumerable.Range(0, 200).Select(i => i % 2).ToArray();
        gan.Eval();
        var samples = gan.Sample(labels, new Generator(11));
        return FrechetDistance.Between(data.Images[..(200 * 64)], samples.Span.ToArray(), 64);
    }

    [Fact]
    public void TrainingMovesTheSamplesTowardTheData()
    {
        var data = ToyImages.Bars(400, seed: 1);
        var (untrained, _) = GanTrainer.Train(data, Tiny(1), null);
        var (trained, report) = GanTrainer.Train(data, Tiny(300), null);
        double before = PixelDistance(untrained.Gan, data), after = PixelDistance(trained.Gan, data);
        Assert.Equal(300, report.Iterations);
        Assert.True(after < 0.5 * before, $"Fréchet distance to the data: {before:0.000} after 1 iteration, {after:0.000} after 300");
    }

    [Fact]
    public void AnInterruptedRunResumesToTheSameGan()
    {
        var data = ToyImages.Bars(200, seed: 2);
        using var dir = new TinyZoo.TempDir();
        string checkpoint = Path.Combine(dir.Path, "gan.checkpoint");
        var straight = GanTrainer.Train(data, Tiny(60), null).File;

        using var cancel = new CancellationTokenSource();
        var stopAt45 = new Progress45(cancel);
        Assert.ThrowsAny<OperationCanceledException>(() => GanTrainer.Train(data, Tiny(60), checkpoint, stopAt45, cancel.Token));
        Assert.True(File.Exists(checkpoint));
        var (resumed, report) = GanTrainer.Train(data, Tiny(60), checkpoint);
        Assert.Equal(40, report.ResumedFromIteration);   // the last checkpoint before the interruption

        straight.Save(Path.Combine(dir.Path, "a.gan"));
        resumed.Save(Path.Combine(dir.Path, "b.gan"));
        Assert.Equal(straight.Gan.StateDict().Keys, resumed.Gan.StateDict().Keys);
        foreach (var (name, t) in straight.Gan.StateDict())
            Assert.True(t.Span.SequenceEqual(resumed.Gan.StateDict()[name].Span), $"{name} differs after resuming");
    }

    sealed class Progress45(CancellationTokenSource cancel) : IProgress<GanProgress>
    {
        public void Report(GanProgress p) { if (p.Iteration >= 45) cancel.Cancel(); }
    }

    [Fact]
    public void ADamagedCheckpointIsRefusedNamingTheFile()
    {
        var data = ToyImages.Bars(100, seed: 4);
        using var dir = new TinyZoo.TempDir();
        string checkpoint = Path.Combine(dir.Path, "gan.checkpoint");
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => GanTrainer.Train(data, Tiny(60), checkpoint, new Progress45(cancel), cancel.Token));
        var bytes = File.ReadAllBytes(checkpoint);
        bytes[^10] ^= 0x40;
        File.WriteAllBytes(checkpoint, bytes);
        var e = Assert.Throws<InvalidDataException>(() => GanTrainer.Train(data, Tiny(60), checkpoint));
        Assert.Contains(checkpoint, e.Message);
        Assert.Contains("damaged", e.Message);
        // another run's options are refused too, not silently mixed in
        File.Delete(checkpoint);
        using var again = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => GanTrainer.Train(data, Tiny(60), checkpoint, new Progress45(again), again.Token));
        var other = Assert.Throws<InvalidDataException>(() => GanTrainer.Train(data, Tiny(60) with { BatchSize = 16 }, checkpoint));
        Assert.Contains("other options", other.Message);
    }

    [Fact]
    public void ADiscriminatorThatWinsCompletelyStopsTrainingAndKeepsTheLastCheckpoint()
    {
        var data = ToyImages.Bars(100, seed: 5);
        using var dir = new TinyZoo.TempDir();
        string checkpoint = Path.Combine(dir.Path, "gan.checkpoint");
        // a generator that cannot learn against a discriminator that learns fast
        var options = Tiny(2000) with { GeneratorLr = 1e-12, DiscriminatorLr = 1e-2, CheckpointEvery = 10, DiscriminatorWinPatience = 30 };
        var e = Assert.Throws<TrainingDivergedException>(() => GanTrainer.Train(data, options, checkpoint));
        Assert.Contains("won completely", e.Message);
        Assert.Contains(checkpoint, e.Message);
        Assert.True(File.Exists(checkpoint));
    }

    [Fact]
    public void BadShapesAreRefused()
    {
        var data = ToyImages.Bars(10, seed: 6);
        Assert.Throws<ArgumentException>(() => GanTrainer.Train(data, Tiny(1) with { BatchSize = 1 }, null));
        Assert.Throws<ArgumentException>(() => new GanSpec { Classes = 2, Channels = 1, ImageSize = 10 }.Validate());
    }
}
