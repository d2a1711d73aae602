using Lineage.Data;
using Lineage.Engine;
using Lineage.Models;
using Lineage.Models.Architectures;
using Lineage.Models.Training;

namespace Lineage.Fuzz;

/// <summary>A checkpoint resumed exactly as `lineage train` resumes one: the trainer restores it into a fresh model and
/// optimiser of the recorded run and trains what is left (2 epochs of 8 tiny images, so a run is milliseconds).</summary>
public static class CheckpointHarness
{
    public static readonly TrainingOptions Options = new() { Epochs = 2, BatchSize = 4, LearningRate = 0.01, Seed = 0 };
    static readonly Dataset Data = ShapesDataset.Generate(ShapesVariant.Gray28, 8, seed: 0, maxThreads: 1);

    public static Classifier FreshModel() =>
        ArchitectureCatalog.Create(new ArchitectureSpec { Name = "lenet5", InChannels = 1, ImageSize = 28, Classes = 10, Width = 0.1f }, new Generator(0));

    public static void Run(byte[] bytes)
    {
        var path = Scratch.File("input.checkpoint", bytes);
        HarnessCatalog.Judge(path, Resume);
        if (Rehashed.Write(bytes, path, "content_sha256")) HarnessCatalog.Judge(path, Resume);

        // a rehashed checkpoint of finite but extreme weights may resume and then diverge: the trainer's own clear error
        // (the CLI prints it as one line, exit 2), not a parsing failure
        void Resume()
        {
            try { Trainer.Train(FreshModel(), Preprocessing.Shapes28, Data, Options, checkpointPath: path); }
            catch (TrainingDivergedException) { }
        }
    }

    /// <summary>A valid checkpoint of this harness's run after its first epoch (the seed).</summary>
    public static byte[] Seed()
    {
        var path = Scratch.File("seed.checkpoint", []);
        File.Delete(path);
        using var cancel = new CancellationTokenSource();
        var progress = new SyncProgress(p => { if (p.Epoch == 2) cancel.Cancel(); });
        try { Trainer.Train(FreshModel(), Preprocessing.Shapes28, Data, Options, progress: progress, checkpointPath: path, cancel: cancel.Token); }
        catch (OperationCanceledException) { }
        return File.ReadAllBytes(path);
    }

    sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
