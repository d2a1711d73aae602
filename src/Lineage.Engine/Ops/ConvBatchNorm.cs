namespace Lineage.Engine;

/// <summary>A convolution followed by an evaluation-mode batch norm, folded into one convolution for inference.</summary>
public static partial class Functional
{
    /// <summary>
    /// relu(batch_norm(conv2d(input, weight, bias)) + residual) with the batch norm in evaluation mode (running
    /// statistics), the residual and the ReLU optional. When no gradient is recorded the batch norm is folded into
    /// the convolution, w' = w·s and b' = (b − μ)·s + β with s = γ / √(σ² + ε), and the residual and ReLU are applied as
    /// the convolution stores its output: one pass over the activation instead of a convolution write, then a batch
    /// norm read and write (at batch 256 a 16-channel 32×32 batch norm moved 50 MB and took 2.2–2.7 ms on two
    /// cores, about a fifth of ResNet-20's inference). With a gradient it is the two ops in turn, so training and its
    /// gradients are unchanged. The folded result differs from the two ops by rounding only.
    /// </summary>
    public static Tensor Conv2dBatchNorm(Tensor input, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups,
        Tensor runningMean, Tensor runningVar, Tensor? bnWeight, Tensor? bnBias, float eps, Tensor? residual = null, bool relu = false)
    {
        CheckFoldable(weight, runningMean, runningVar, bnWeight, bnBias);
        if (GradMode.Records(input, weight, bias, bnWeight, bnBias, residual))
            return BatchNorm(Conv2d(input, weight, bias, stride, padding, dilation, groups), runningMean, runningVar, bnWeight, bnBias, training: false, eps: eps, residual: residual, relu: relu);

        var (folded, foldedBias) = FoldBatchNorm(weight, bias, runningMean, runningVar, bnWeight, bnBias, eps);
        return Conv2d(input, folded, foldedBias, stride, padding, dilation, groups, relu, residual);
    }

    /// <summary>The weight and bias of one convolution equal to conv2d(weight, bias) followed by an evaluation-mode
    /// batch norm: w' = w·s and b' = (b − μ)·s + β with s = γ / √(σ² + ε). Plain values: no gradient flows through them.</summary>
    public static (Tensor Weight, Tensor Bias) FoldBatchNorm(Tensor weight, Tensor? bias, Tensor runningMean, Tensor runningVar, Tensor? bnWeight, Tensor? bnBias, float eps)
    {
        CheckFoldable(weight, runningMean, runningVar, bnWeight, bnBias);
        int cout = weight.Shape[0], perChannel = weight.Size / cout;
        var folded = Tensor.Empty(weight.Shape);
        var foldedBias = Tensor.Empty(cout);
        float[] w = weight.Data, fw = folded.Data, fb = foldedBias.Data, mean = runningMean.Data, variance = runningVar.Data;
        for (int c = 0; c < cout; c++)
        {
            float s = (bnWeight?.Data[c] ?? 1f) / MathF.Sqrt(variance[c] + eps);
            for (int i = c * perChannel; i < (c + 1) * perChannel; i++) fw[i] = w[i] * s;
            fb[c] = ((bias?.Data[c] ?? 0f) - mean[c]) * s + (bnBias?.Data[c] ?? 0f);
        }
        return (folded, foldedBias);
    }

    static void CheckFoldable(Tensor weight, Tensor runningMean, Tensor runningVar, Tensor? bnWeight, Tensor? bnBias)
    {
        if (weight.Rank != 4) throw new ArgumentException($"conv2d: weight must be [Cout, Cin/groups, kH, kW], got {Tensor.FormatShape(weight.Shape)}");
        int cout = weight.Shape[0];
        foreach (var (t, name) in new[] { (runningMean, "running_mean"), (runningVar, "running_var"), (bnWeight, "weight"), (bnBias, "bias") })
            if (t != null && t.Size != cout)
                throw new ArgumentException($"conv2d + batch_norm: the batch norm's {name} has {t.Size} elements for the convolution's {cout} output channels");
    }
}
