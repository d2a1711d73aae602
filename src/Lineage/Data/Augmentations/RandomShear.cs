using Lineage.Engine;

namespace Lineage.Data.Augmentations;

/// <summary>Shears each image about its centre by a factor drawn uniformly from [-max, max]
/// (NaturalFinger: up to 0.1), along x or y at random, with bilinear sampling and
/// <see cref="Fill"/> outside the source.</summary>
public sealed class RandomShear(float maxShear = 0.1f, float fill = 0f) : IAugmentation
{
    public float MaxShear { get; } = maxShear >= 0 ? maxShear : throw new ArgumentOutOfRangeException(nameof(maxShear));
    public float Fill { get; } = fill;

    public Tensor Apply(Tensor batch, Generator gen)
    {
        var (n, c, h, w) = Batch.Dims(batch, nameof(RandomShear));
        var output = Tensor.Empty(batch.Shape);
        var src = batch.Span;
        var dst = output.Span;
        int plane = h * w;
        float cx = (w - 1) / 2f, cy = (h - 1) / 2f;
        for (int i = 0; i < n; i++)
        {
            float shear = MaxShear * (2 * gen.NextFloat() - 1);
            bool alongX = gen.NextInt(2) == 0;
            for (int ch = 0; ch < c; ch++)
            {
                int offset = (i * c + ch) * plane;
                var from = src.Slice(offset, plane);
                var to = dst.Slice(offset, plane);
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        // Inverse map: the output pixel samples the source at the un-sheared position.
                        float sx = alongX ? x - shear * (y - cy) : x;
                        float sy = alongX ? y : y - shear * (x - cx);
                        to[y * w + x] = Bilinear(from, h, w, sx, sy, Fill);
                    }
            }
        }
        return output;
    }

    static float Bilinear(ReadOnlySpan<float> image, int h, int w, float x, float y, float fill)
    {
        int x0 = (int)MathF.Floor(x), y0 = (int)MathF.Floor(y);
        float fx = x - x0, fy = y - y0;
        float top = Pixel(image, h, w, x0, y0, fill) * (1 - fx) + Pixel(image, h, w, x0 + 1, y0, fill) * fx;
        float bottom = Pixel(image, h, w, x0, y0 + 1, fill) * (1 - fx) + Pixel(image, h, w, x0 + 1, y0 + 1, fill) * fx;
        return top * (1 - fy) + bottom * fy;
    }

    static float Pixel(ReadOnlySpan<float> image, int h, int w, int x, int y, float fill) =>
        (uint)x < (uint)w && (uint)y < (uint)h ? image[y * w + x] : fill;
}
