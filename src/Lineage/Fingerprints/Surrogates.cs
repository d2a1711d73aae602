using Lineage.Data;
using Lineage.Engine;
using Lineage.Models.Architectures;
using Lineage.Models.Training;

namespace Lineage.Fingerprints;

/// <summary>The owner's own stand-ins for stolen models: students distilled from the source on the owner's
/// data (knowledge distillation, Hinton et al.; SAC-w's surrogates, CAE's "retraining" at T = 1).</summary>
public static class Surrogates
{
    /// <param name="spec">The student's architecture (the source's own, or a catalog architecture for a source that has none).</param>
    /// <param name="teacherLogits">The source's logits on <paramref name="ownerData"/> ([count, classes]), which the
    /// caller has already computed; distillation is at T = 1.</param>
    public static Classifier Distil(ArchitectureSpec spec, SourceModel source, Dataset ownerData, float[] teacherLogits, int epochs, int seed, IProgress<TrainingProgress>? progress = null)
    {
        var student = ArchitectureCatalog.Create(spec, new Generator(seed));
        int c = source.Classes;
        if (teacherLogits.Length != ownerData.Count * c)
            throw new ArgumentException($"teacher logits hold {teacherLogits.Length} values, expected {ownerData.Count}×{c}");
        var options = new TrainingOptions { Epochs = epochs, BatchSize = 128, LearningRate = 0.05, Seed = seed };
        Trainer.Train(student, source.Preprocessing, ownerData, options, loss: (logits, batch) =>
        {
            var t = Tensor.Empty(batch.Indices.Length, c);
            for (int i = 0; i < batch.Indices.Length; i++) teacherLogits.AsSpan(batch.Indices[i] * c, c).CopyTo(t.Span.Slice(i * c, c));
            return Functional.KlDiv(Functional.LogSoftmax(logits, 1), Functional.Softmax(t, 1));
        }, progress: progress);
        student.Eval();
        return student;
    }
}
