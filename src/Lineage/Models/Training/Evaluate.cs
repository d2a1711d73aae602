using Lineage.Data;
using Lineage.Engine;
using Lineage.Models.Architectures;

namespace Lineage.Models.Training;

/// <summary>Measurements of a model on a dataset (eval mode, no gradients, in batches).</summary>
public static class Evaluate
{
    public static double Accuracy(Classifier model, Preprocessing preprocessing, Dataset data, int batchSize = 256)
    {
        var predictions = Predict(model, preprocessing, data, batchSize);
        int correct = 0;
        for (int i = 0; i < predictions.Length; i++) if (predictions[i] == data.Labels[i]) correct++;
        return data.Count == 0 ? double.NaN : (double)correct / data.Count;
    }

    public static int[] Predict(Classifier model, Preprocessing preprocessing, Dataset data, int batchSize = 256) =>
        Predict(model, preprocessing, data.AsTensor(), batchSize);

    /// <summary>Top-1 labels of raw images [N, C, H, W] in [0, 1].</summary>
    public static int[] Predict(Classifier model, Preprocessing preprocessing, Tensor images, int batchSize = 256)
    {
        bool wasTraining = model.Training;
        model.Eval();
        int count = images.Shape[0];
        var result = new int[count];
        using (GradMode.NoGrad())
            for (int start = 0; start < count; start += batchSize)
            {
                using var scope = TensorScope.Begin();
                var pred = model.Forward(preprocessing.Apply(images.Slice(0, start, Math.Min(count, start + batchSize)))).ArgMax(1);
                pred.CopyTo(result, start);
            }
        model.Train(wasTraining);
        return result;
    }
}
