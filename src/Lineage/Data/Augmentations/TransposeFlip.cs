using Lineage.Engine;

namespace Lineage.Data.Augmentations;

/// <summary>
/// SAC's x^T (SAC-m, Sec. 4.2: CutMix images are flipped so they leave the training distribution):
/// swaps the H and W axes of every image, [N, C, H, W] -> [N, C, W, H]. Deterministic; the
/// generator is not used.
/// </summary>
public sealed class TransposeFlip : IAugmentation
{
    public Tensor Apply(Tensor batch, Generator gen)
    {
        var (n, c, h, w) = Batch.Dims(batch, nameof(TransposeFlip));
        var output = Tensor.Empty(n, c, w, h);
        var src = batch.Span;
        var dst = output.Span;
        int plane = h * w;
        for (int p = 0; p < n * c; p++)
        {
            var from = src.Slice(p * plane, plane);
            var to = dst.Slice(p * plane, plane);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) to[x * h + y] = from[y * w + x];
        }
        return output;
    }
}
