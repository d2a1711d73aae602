using Lineage.Engine;

namespace Lineage.Data.Augmentations;

/// <summary>Adds N(0, std^2) noise to every pixel (NaturalFinger uses std 0.02), clipping to [0, 1]
/// unless <see cref="Clip"/> is false (for already-normalised inputs).</summary>
public sealed class GaussianNoise(float std = 0.02f, bool clip = true) : IAugmentation
{
    public float Std { get; } = std >= 0 ? std : throw new ArgumentOutOfRangeException(nameof(std));
    public bool Clip { get; } = clip;

    public Tensor Apply(Tensor batch, Generator gen)
    {
        Batch.Dims(batch, nameof(GaussianNoise));
        var output = Tensor.Empty(batch.Shape);
        var src = batch.Span;
        var dst = output.Span;
        for (int i = 0; i < src.Length; i++)
        {
            float v = src[i] + Std * (float)gen.NextNormal();
            dst[i] = Clip ? Math.Clamp(v, 0f, 1f) : v;
        }
        return output;
    }
}
