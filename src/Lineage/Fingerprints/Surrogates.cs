using Lineage.Data;
using Lineage.Engine;
using Lineage.Models.Architectures;
using Lineage.Models.Training;

namespace Lineage.Fingerprints;

/// <summary>The owner's own stand-ins for stolen models: students distilled from the source on the owner's
/// data (knowledge distillation, Hinton et al.; SAC-w's surrogates, CAE's "retraining" at T = 1).</summary>
public static class Surrogates
{
    public static Classifier Distil(SourceModel source, Dataset ownerData, int epochs, int seed, IProgress<TrainingProgress>? progress = null, float temperature = 1f)
    {
        var spec = source.File!.Spec.Copy();
        var student = ArchitectureCatalog.Create(spec, new Generator(seed));
        var teacher = source.LogitsOf(ownerData.AsTensor());
        int c = source.Classes;
        var options = new TrainingOptions { Epochs = epochs, BatchSize = 128, LearningRate = 0.05, Seed = seed };
        Trainer.Train(student, source.Preprocessing, ownerData, options, loss: (logits, batch) =>
        {
            var t = Tensor.Empty(batch.Indices.Length, c);
            for (int i = 0; i < batch.Indices.Length; i++) teacher.AsSpan(batch.Indices[i] * c, c).CopyTo(t.Span.Slice(i * c, c));
            var targets = Functional.Softmax(t.Mul(1f / temperature), 1);
            return Functional.KlDiv(Functional.LogSoftmax(logits.Mul(1f / temperature), 1), targets).Mul(temperature * temperature);
        }, progress: progress);
        student.Eval();
        return student;
    }
}
