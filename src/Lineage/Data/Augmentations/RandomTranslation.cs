using Lineage.Engine;

namespace Lineage.Data.Augmentations;

/// <summary>Shifts each image by a random whole number of pixels in [-max, max] on each axis, filling
/// uncovered pixels with <see cref="Fill"/> (NaturalFinger: up to 4 px).</summary>
public sealed class RandomTranslation(int maxShift = 4, float fill = 0f) : IAugmentation
{
    public int MaxShift { get; } = maxShift >= 0 ? maxShift : throw new ArgumentOutOfRangeException(nameof(maxShift));
    public float Fill { get; } = fill;

    public Tensor Apply(Tensor batch, Generator gen)
    {
        var (n, c, h, w) = Batch.Dims(batch, nameof(RandomTranslation));
        var output = Tensor.Empty(batch.Shape);
        for (int i = 0; i < n; i++)
        {
            int dx = gen.NextInt(-MaxShift, MaxShift + 1), dy = gen.NextInt(-MaxShift, MaxShift + 1);
            Shift.Image(batch.Span, output.Span, i, c, h, w, dx, dy, Fill);
        }
        return output;
    }
}

/// <summary>
/// The standard CIFAR training crop: pad every side by <see cref="Padding"/> pixels of
/// <see cref="Fill"/>, then take a random H x W window. Equivalent to a shift by up to
/// <see cref="Padding"/> pixels, which is how it is computed (no padded copy is made).
/// </summary>
public sealed class RandomCrop(int padding = 4, float fill = 0f) : IAugmentation
{
    public int Padding { get; } = padding >= 0 ? padding : throw new ArgumentOutOfRangeException(nameof(padding));
    public float Fill { get; } = fill;

    public Tensor Apply(Tensor batch, Generator gen)
    {
        var (n, c, h, w) = Batch.Dims(batch, nameof(RandomCrop));
        var output = Tensor.Empty(batch.Shape);
        for (int i = 0; i < n; i++)
        {
            // Window origin (ox, oy) in padded coordinates, 0..2p; output pixel (x, y) reads input (x + ox - p, y + oy - p).
            int ox = gen.NextInt(2 * Padding + 1), oy = gen.NextInt(2 * Padding + 1);
            Shift.Image(batch.Span, output.Span, i, c, h, w, Padding - ox, Padding - oy, Fill);
        }
        return output;
    }
}

internal static class Shift
{
    /// <summary>output(x, y) = input(x - dx, y - dy), or fill outside the image.</summary>
    public static void Image(ReadOnlySpan<float> src, Span<float> dst, int index, int c, int h, int w, int dx, int dy, float fill)
    {
        int plane = h * w;
        for (int ch = 0; ch < c; ch++)
        {
            int offset = (index * c + ch) * plane;
            var from = src.Slice(offset, plane);
            var to = dst.Slice(offset, plane);
            for (int y = 0; y < h; y++)
            {
                int sy = y - dy;
                var row = to.Slice(y * w, w);
                if ((uint)sy >= (uint)h) { row.Fill(fill); continue; }
                for (int x = 0; x < w; x++)
                {
                    int sx = x - dx;
                    row[x] = (uint)sx < (uint)w ? from[sy * w + sx] : fill;
                }
            }
        }
    }
}
