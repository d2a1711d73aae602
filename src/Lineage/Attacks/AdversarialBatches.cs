using Lineage.Adversarial;
using Lineage.Data;
using Lineage.Engine;
using Lineage.Models.Architectures;
using Lineage.Models.Training;

namespace Lineage.Attacks;

/// <summary>
/// The batch transform of adversarial training (Goodfellow et al. 2015 with FGSM; Madry et al. 2018 with PGD):
/// the first ⌈fraction · n⌉ images of each (already shuffled) batch are replaced by adversarial examples crafted
/// against the model being trained, for the batch's training labels (the source's answers in extraction). The
/// examples are crafted in eval mode so batch-norm statistics only ever see the batches actually trained on.
/// </summary>
public static class AdversarialBatches
{
    public static BatchTransform Create(Classifier model, Preprocessing preprocessing, GradientAttackOptions attack, double fraction, int seed)
    {
        var gen = new Generator(seed);
        return batch =>
        {
            int n = batch.Labels.Length, k = (int)Math.Ceiling(fraction * n);
            if (k == 0) return batch;
            bool training = model.Training;
            model.Eval();
            var head = batch.Images.Slice(0, 0, k);
            var adversarial = GradientAttack.Run(x => model.Forward(preprocessing.Apply(x)), head, batch.Labels[..k], attack, gen);
            model.Train(training);
            var images = Tensor.Empty(batch.Images.Shape);
            batch.Images.Span.CopyTo(images.Span);
            adversarial.Span.CopyTo(images.Span);
            return batch with { Images = images };
        };
    }
}
