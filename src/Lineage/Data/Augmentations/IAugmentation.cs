using Lineage.Engine;

namespace Lineage.Data.Augmentations;

/// <summary>A seeded transformation of an NCHW image batch. Implementations never modify the input;
/// they return a new tensor (from the engine's pool, so a TensorScope releases it), and draw every
/// random choice from <paramref name="gen"/>, so the same generator state gives the same output.</summary>
public interface IAugmentation
{
    Tensor Apply(Tensor batch, Generator gen);
}

/// <summary>Checks shared by the augmentations.</summary>
internal static class Batch
{
    public static (int N, int C, int H, int W) Dims(Tensor batch, string who)
    {
        if (batch.Rank != 4) throw new ArgumentException($"{who} expects an NCHW batch, got shape {Tensor.FormatShape(batch.Shape)}");
        return (batch.Shape[0], batch.Shape[1], batch.Shape[2], batch.Shape[3]);
    }
}
