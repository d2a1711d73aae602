using Lineage.Engine;

namespace Lineage.Data.Augmentations;

/// <summary>Mirrors each image left-right with probability <see cref="Probability"/> (drawn per image).
/// With probability 1 it is the exact deterministic flip.</summary>
public sealed class HorizontalFlip(double probability = 0.5) : IAugmentation
{
    public double Probability { get; } = probability is >= 0 and <= 1 ? probability : throw new ArgumentOutOfRangeException(nameof(probability));

    public Tensor Apply(Tensor batch, Generator gen)
    {
        var (n, c, h, w) = Batch.Dims(batch, nameof(HorizontalFlip));
        var output = Tensor.Empty(batch.Shape);
        var src = batch.Span;
        var dst = output.Span;
        int image = c * h * w;
        for (int i = 0; i < n; i++)
        {
            var from = src.Slice(i * image, image);
            var to = dst.Slice(i * image, image);
            if (Probability >= 1 || (Probability > 0 && gen.NextDouble() < Probability))
                for (int row = 0; row < c * h; row++)
                    for (int x = 0; x < w; x++) to[row * w + x] = from[row * w + (w - 1 - x)];
            else from.CopyTo(to);
        }
        return output;
    }
}
