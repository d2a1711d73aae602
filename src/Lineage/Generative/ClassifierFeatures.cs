using Lineage.Engine;
using Lineage.Engine.Nn;
using Lineage.Models;
using Lineage.Models.Architectures;

namespace Lineage.Generative;

/// <summary>
/// A classifier's penultimate features (the input of its final linear layer) and its labels, in one pass: the
/// feature space of the Fréchet distance Lineage states for a GAN, since no Inception network can be downloaded.
/// The head is swapped for a recorder for the pass and put back after.
/// </summary>
public static class ClassifierFeatures
{
    public static (float[] Features, int Dim, int[] Labels) Of(ModelFile classifier, Tensor images, int batch = 256)
    {
        var model = classifier.Model;
        var head = model.Head;
        var recorder = new HeadInputRecorder(head);
        model.ReplaceModule(model.HeadPath, recorder);
        try
        {
            var features = new List<float>();
            var labels = new List<int>();
            int n = images.Shape[0];
            for (int i = 0; i < n; i += batch)
            {
                using var _ = GradMode.NoGrad();
                using var scope = TensorScope.Begin();
                var part = images.Slice(0, i, Math.Min(n, i + batch));
                labels.AddRange(classifier.Logits(part).ArgMax(1));
                features.AddRange(recorder.Last!);
            }
            return (features.ToArray(), head.InFeatures, labels.ToArray());
        }
        finally { model.ReplaceModule(model.HeadPath, head); }
    }

    sealed class HeadInputRecorder(Linear head) : Module
    {
        public float[]? Last { get; private set; }

        public override Tensor Forward(Tensor input)
        {
            Last = input.Span.ToArray();
            return head.Forward(input);
        }
    }
}
