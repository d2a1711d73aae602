using Lineage.Engine;
using Lineage.Files;
using SkiaSharp;

namespace Lineage.Images;

/// <summary>
/// Images in [0, 1] ([N, C, H, W], C = 1 or 3) laid out as a PNG grid a person can look at: rows × columns
/// tiles, each pixel scaled up, a one-pixel gap between tiles. Encoded by SkiaSharp, written atomically.
/// </summary>
public static class PngGrid
{
    public static void Write(string path, Tensor images, int columns, int scale = 2, int gap = 1)
    {
        var bytes = Encode(images, columns, scale, gap);
        AtomicFile.Write(path, tmp => File.WriteAllBytes(tmp, bytes));
    }

    /// <summary>One row per image set, <paramref name="columns"/> images each, spread evenly over the set (sets are
    /// often ordered by class or by point, so the first few would show one kind); blank tiles where a set has fewer.
    /// Every set must hold images of one shape.</summary>
    public static Tensor Rows(IReadOnlyList<Tensor> sets, int columns)
    {
        if (sets.Count == 0 || columns < 1) throw new ArgumentException($"rows of images need at least one set and one column, got {sets.Count} and {columns}");
        int[] shape = [.. sets[0].Shape.Skip(1)];
        if (sets.Any(s => !s.Shape.Skip(1).SequenceEqual(shape)))
            throw new ArgumentException($"rows of images need one image shape; got {string.Join(", ", sets.Select(s => Tensor.FormatShape(s.Shape)))}");
        int size = shape.Aggregate(1, (a, b) => a * b);
        var cells = new float[sets.Count * columns * size];
        for (int row = 0; row < sets.Count; row++)
        {
            int n = sets[row].Shape[0], count = Math.Min(columns, n);
            for (int k = 0; k < count; k++)
                sets[row].Span.Slice((int)((long)k * n / count) * size, size).CopyTo(cells.AsSpan((row * columns + k) * size));
        }
        return Tensor.FromArray(cells, [sets.Count * columns, .. shape]);
    }

    public static byte[] Encode(Tensor images, int columns, int scale = 2, int gap = 1)
    {
        if (images.Rank != 4 || images.Shape[1] is not (1 or 3))
            throw new ArgumentException($"a PNG grid needs [N, 1 or 3, H, W] images, got {Tensor.FormatShape(images.Shape)}");
        if (columns < 1 || scale < 1 || gap < 0) throw new ArgumentException($"a PNG grid needs columns ≥ 1, scale ≥ 1 and gap ≥ 0, got {columns}, {scale}, {gap}");
        int n = images.Shape[0], c = images.Shape[1], h = images.Shape[2], w = images.Shape[3];
        if (n == 0) throw new ArgumentException("a PNG grid needs at least one image");
        int rows = (n + columns - 1) / columns;
        int tileW = w * scale, tileH = h * scale;
        int width = columns * tileW + (columns + 1) * gap, height = rows * tileH + (rows + 1) * gap;
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var pixels = new byte[width * height * 4];
        for (int i = 0; i < pixels.Length; i += 4) { pixels[i] = 255; pixels[i + 1] = 255; pixels[i + 2] = 255; pixels[i + 3] = 255; }
        var data = images.Span;
        int plane = h * w;
        for (int k = 0; k < n; k++)
        {
            int ox = gap + (k % columns) * (tileW + gap), oy = gap + (k / columns) * (tileH + gap);
            int baseIndex = k * c * plane;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    byte r = Byte(data[baseIndex + y * w + x]);
                    byte g = c == 3 ? Byte(data[baseIndex + plane + y * w + x]) : r;
                    byte b = c == 3 ? Byte(data[baseIndex + 2 * plane + y * w + x]) : r;
                    for (int dy = 0; dy < scale; dy++)
                        for (int dx = 0; dx < scale; dx++)
                        {
                            int p = ((oy + y * scale + dy) * width + ox + x * scale + dx) * 4;
                            pixels[p] = r; pixels[p + 1] = g; pixels[p + 2] = b;
                        }
                }
        }
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var image = SKImage.FromBitmap(bitmap);
        using var encoded = image.Encode(SKEncodedImageFormat.Png, 100);
        return encoded.ToArray();
    }

    static byte Byte(float v) => (byte)Math.Clamp((int)MathF.Round(v * 255f), 0, 255);
}
