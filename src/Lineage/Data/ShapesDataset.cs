using System.Runtime.CompilerServices;
using Lineage.Engine;

namespace Lineage.Data;

/// <summary>The two image formats of the synthetic dataset.</summary>
public enum ShapesVariant
{
    /// <summary>1 x 28 x 28 grey images, a stand-in for (Fashion-)MNIST.</summary>
    Gray28,
    /// <summary>3 x 32 x 32 colour images, a stand-in for CIFAR-10.</summary>
    Color32,
}

/// <summary>
/// The built-in synthetic dataset ("shapes", "shapes32"): ten classes of procedurally drawn objects,
/// each image from its own generator derived from (seed, part, index), so the data is the same for
/// any thread count and needs no files. Difficulty comes from genuine variation, never label noise:
/// every image has a random position, scale, rotation and contrast, a shaded and textured
/// background, clutter strokes and blobs, sometimes an occluder over the object, and pixel noise.
/// See docs/data.md for the classes.
/// </summary>
public static class ShapesDataset
{
    public static readonly string[] ClassNames =
        ["disc", "ring", "square", "frame", "triangle", "cross", "bar", "stripes", "checker", "dots"];

    public const int DefaultTrainCount = 10_000;
    public const int DefaultTestCount = 2_000;

    /// <summary>Stream tags keep the train and test parts disjoint for the same seed.</summary>
    public const int TrainStream = 0, TestStream = 1;

    /// <summary>Generates <paramref name="count"/> images; labels cycle 0..9 so every class has
    /// count/10 images (the first count % 10 classes one more).</summary>
    /// <param name="maxThreads">Caps the worker threads (-1: no cap); the result never depends on it.</param>
    public static Dataset Generate(ShapesVariant variant, int count, int seed, int stream = TrainStream, string? part = null, int maxThreads = -1)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count));
        var pre = variant == ShapesVariant.Gray28 ? Preprocessing.Shapes28 : Preprocessing.Shapes32;
        int size = pre.Channels * pre.Height * pre.Width;
        var images = new float[(long)count * size];
        var labels = new int[count];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = maxThreads }, () => new float[pre.Height * pre.Width], (i, _, scratch) =>
        {
            labels[i] = i % ClassNames.Length;
            var gen = new Generator(ImageSeed(seed, stream, i));
            Render(images.AsSpan(i * size, size), labels[i], pre.Channels, pre.Height, gen, scratch);
            return scratch;
        }, _ => { });
        string name = variant == ShapesVariant.Gray28 ? "shapes" : "shapes32";
        part ??= stream == TrainStream ? "train" : stream == TestStream ? "test" : $"stream{stream}";
        return new Dataset(images, labels, ClassNames, pre, new DataOrigin($"{name}(seed={seed})", part, []));
    }

    static ulong ImageSeed(int seed, int stream, int index) =>
        ((ulong)(uint)seed << 32 | (uint)index) ^ ((ulong)(uint)stream * 0x9E3779B97F4A7C15UL);

    /// <summary>Draws one image into <paramref name="image"/> (C x S x S, values in [0, 1]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // skip tier-0 code: a cold CLI run generates once
    static void Render(Span<float> image, int label, int channels, int s, Generator gen, float[] scratch)
    {
        int plane = s * s;
        // Per-channel layers: background, then clutter, object and occluder blended over it.
        Span<float> bgColor = stackalloc float[3], fgColor = stackalloc float[3], gradient = stackalloc float[3];
        float bgLevel = 0.05f + 0.35f * gen.NextFloat();
        float contrast = 0.3f + 0.35f * gen.NextFloat();
        float fgLevel = bgLevel + (gen.NextFloat() < 0.5f ? contrast : -contrast);
        if (fgLevel < 0f) fgLevel = bgLevel + contrast;
        fgLevel = Math.Clamp(fgLevel, 0f, 1f);
        for (int c = 0; c < channels; c++)
        {
            // Colour images tint each channel independently around the grey levels, so colour alone never names the class.
            float tintBg = channels == 1 ? 0 : 0.25f * (gen.NextFloat() - 0.5f);
            float tintFg = channels == 1 ? 0 : 0.35f * (gen.NextFloat() - 0.5f);
            bgColor[c] = Math.Clamp(bgLevel + tintBg, 0f, 1f);
            fgColor[c] = Math.Clamp(fgLevel + tintFg, 0f, 1f);
            gradient[c] = 0.25f * (gen.NextFloat() - 0.5f);
        }
        float gradAngle = 2 * MathF.PI * gen.NextFloat();
        float gx = MathF.Cos(gradAngle) / s, gy = MathF.Sin(gradAngle) / s;
        // A faint background grating (random orientation and period) so "stripes" cannot be told by texture alone.
        float texAmp = gen.NextFloat() < 0.5f ? 0.08f * gen.NextFloat() : 0f;
        float texAngle = MathF.PI * gen.NextFloat(), texFreq = 2 * MathF.PI / (2.5f + 4f * gen.NextFloat());
        float tcx = MathF.Cos(texAngle) * texFreq, tcy = MathF.Sin(texAngle) * texFreq;
        for (int y = 0; y < s; y++)
            for (int x = 0; x < s; x++)
            {
                float ramp = (x - s / 2f) * gx + (y - s / 2f) * gy;
                float tex = texAmp * MathF.Sin(x * tcx + y * tcy);
                for (int c = 0; c < channels; c++) image[c * plane + y * s + x] = bgColor[c] + gradient[c] * ramp * 2 + tex;
            }

        var coverage = scratch.AsSpan(0, plane);

        // Clutter: strokes and blobs in colours between background and foreground.
        int clutter = gen.NextInt(0, 4);
        for (int k = 0; k < clutter; k++)
        {
            coverage.Clear();
            float ax = s * gen.NextFloat(), ay = s * gen.NextFloat();
            if (gen.NextFloat() < 0.6f)
            {
                float len = s * (0.15f + 0.3f * gen.NextFloat()), ang = 2 * MathF.PI * gen.NextFloat();
                float bx = ax + len * MathF.Cos(ang), by = ay + len * MathF.Sin(ang);
                float half = 0.4f + 0.5f * gen.NextFloat();
                for (int y = 0; y < s; y++)
                    for (int x = 0; x < s; x++)
                        coverage[y * s + x] = Coverage(SegmentDistance(x + 0.5f, y + 0.5f, ax, ay, bx, by) - half);
            }
            else
            {
                float radius = 0.8f + 1.6f * gen.NextFloat();
                for (int y = 0; y < s; y++)
                    for (int x = 0; x < s; x++)
                        coverage[y * s + x] = Coverage(MathF.Sqrt(Sq(x + 0.5f - ax) + Sq(y + 0.5f - ay)) - radius);
            }
            float mix = 0.3f + 0.6f * gen.NextFloat();
            Blend(image, coverage, channels, plane, bgColor, fgColor, mix, gen);
        }

        // The object: random centre, radius, rotation.
        float radiusPx = s * (0.2f + 0.14f * gen.NextFloat());
        float cx = s / 2f + (s / 2f - radiusPx) * 0.9f * (2 * gen.NextFloat() - 1);
        float cy = s / 2f + (s / 2f - radiusPx) * 0.9f * (2 * gen.NextFloat() - 1);
        float theta = 2 * MathF.PI * gen.NextFloat();
        float cos = MathF.Cos(theta), sin = MathF.Sin(theta);
        float aspect = 0.85f + 0.3f * gen.NextFloat();
        float phase = gen.NextFloat();
        for (int y = 0; y < s; y++)
            for (int x = 0; x < s; x++)
            {
                float dx = (x + 0.5f - cx) / radiusPx, dy = (y + 0.5f - cy) / radiusPx;
                float u = (cos * dx + sin * dy) * aspect, v = (-sin * dx + cos * dy) / aspect;
                coverage[y * s + x] = ShapeCoverage(label, u, v, radiusPx, phase);
            }
        for (int c = 0; c < channels; c++)
        {
            var p = image.Slice(c * plane, plane);
            for (int i = 0; i < plane; i++) p[i] += (fgColor[c] - p[i]) * coverage[i];
        }

        // An occluder over part of the object in three images of ten.
        if (gen.NextFloat() < 0.3f)
        {
            coverage.Clear();
            float ox = cx + radiusPx * (2 * gen.NextFloat() - 1), oy = cy + radiusPx * (2 * gen.NextFloat() - 1);
            float hw = radiusPx * (0.2f + 0.3f * gen.NextFloat()), hh = radiusPx * (0.2f + 0.3f * gen.NextFloat());
            for (int y = 0; y < s; y++)
                for (int x = 0; x < s; x++)
                    coverage[y * s + x] = Coverage(BoxDistance(x + 0.5f - ox, y + 0.5f - oy, hw, hh));
            Blend(image, coverage, channels, plane, bgColor, bgColor, 0f, gen);
        }

        // Sensor noise, then clip to the valid pixel range.
        // Irwin-Hall with four uniforms from one 64-bit draw: near-Gaussian (tails cut at 3.5 sigma) and
        // several times cheaper than Box-Muller, which matters at 10^7 pixels.
        float sigma = 0.03f + 0.07f * gen.NextFloat();
        const float unit = 1f / 65536f, spread = 1.7320508f; // sqrt(12 / 4) makes the sum's variance 1
        for (int i = 0; i < image.Length; i++)
        {
            ulong bits = gen.NextUInt64();
            float sum = (ushort)bits + (ushort)(bits >> 16) + (ushort)(bits >> 32) + (ushort)(bits >> 48);
            float normal = (sum * unit - 2f) * spread;
            image[i] = Math.Clamp(image[i] + sigma * normal, 0f, 1f);
        }
    }

    /// <summary>Blends a layer whose colour lies between background and foreground (mix in [0, 1])
    /// plus a small random offset.</summary>
    static void Blend(Span<float> image, ReadOnlySpan<float> coverage, int channels, int plane, ReadOnlySpan<float> bg, ReadOnlySpan<float> fg, float mix, Generator gen)
    {
        float jitter = 0.15f * (gen.NextFloat() - 0.5f);
        for (int c = 0; c < channels; c++)
        {
            float color = Math.Clamp(bg[c] + (fg[c] - bg[c]) * mix + jitter, 0f, 1f);
            var p = image.Slice(c * plane, plane);
            for (int i = 0; i < plane; i++) p[i] += (color - p[i]) * coverage[i];
        }
    }

    /// <summary>Object coverage at unit-radius local coordinates (u, v); <paramref name="scale"/> converts
    /// distances to pixels for a one-pixel anti-aliased edge.</summary>
    static float ShapeCoverage(int label, float u, float v, float scale, float phase)
    {
        float r = MathF.Sqrt(u * u + v * v);
        switch (label)
        {
            case 0: return Coverage((r - 0.85f) * scale);
            case 1: return Coverage((MathF.Abs(r - 0.72f) - 0.2f) * scale);
            case 2: return Coverage(BoxDistance(u, v, 0.7f, 0.7f) * scale);
            case 3: return Coverage((MathF.Abs(BoxDistance(u, v, 0.72f, 0.72f)) - 0.17f) * scale);
            case 4: return Coverage(TriangleDistance(u, v, 0.95f) * scale);
            case 5: return Coverage(MathF.Min(BoxDistance(u, v, 0.92f, 0.24f), BoxDistance(u, v, 0.24f, 0.92f)) * scale);
            case 6: return Coverage(BoxDistance(u, v, 0.98f, 0.25f) * scale);
            case 7:
            {
                // Three to four bars inside a disc: a grating with period 0.55 radii.
                float mask = Coverage((r - 0.9f) * scale);
                float wave = MathF.Sin(2 * MathF.PI * (u / 0.55f + phase));
                return mask * Math.Clamp(0.5f + wave * scale * 0.25f, 0f, 1f);
            }
            case 8:
            {
                float mask = Coverage(BoxDistance(u, v, 0.82f, 0.82f) * scale);
                float cell = MathF.Sin(MathF.PI * u / 0.41f) * MathF.Sin(MathF.PI * v / 0.41f);
                return mask * Math.Clamp(0.5f + cell * scale * 0.25f, 0f, 1f);
            }
            case 9:
            {
                float d = float.MaxValue;
                for (int k = 0; k < 3; k++)
                {
                    float a = 2 * MathF.PI * k / 3;
                    d = MathF.Min(d, MathF.Sqrt(Sq(u - 0.62f * MathF.Cos(a)) + Sq(v - 0.62f * MathF.Sin(a))) - 0.27f);
                }
                return Coverage(d * scale);
            }
            default: throw new ArgumentOutOfRangeException(nameof(label));
        }
    }

    /// <summary>Pixel coverage from a signed distance in pixels (negative inside), 1 px wide edge.</summary>
    static float Coverage(float distancePx) => Math.Clamp(0.5f - distancePx, 0f, 1f);

    static float Sq(float x) => x * x;

    static float BoxDistance(float x, float y, float hx, float hy)
    {
        float qx = MathF.Abs(x) - hx, qy = MathF.Abs(y) - hy;
        float outside = MathF.Sqrt(Sq(MathF.Max(qx, 0)) + Sq(MathF.Max(qy, 0)));
        return outside + MathF.Min(MathF.Max(qx, qy), 0);
    }

    /// <summary>Signed distance to an equilateral triangle of circumradius R centred at the origin
    /// (Quilez's exact form, scaled).</summary>
    static float TriangleDistance(float x, float y, float circumradius)
    {
        // iq's formula takes the half-side h; for circumradius R, h = R * sqrt(3) / 2. Centroid at the origin.
        const float k = 1.7320508f;
        float h = circumradius * k / 2f;
        float px = MathF.Abs(x) / h - 1f, py = y / h + 1f / k;
        if (px + k * py > 0f) { float nx = (px - k * py) / 2f, ny = (-k * px - py) / 2f; px = nx; py = ny; }
        px -= Math.Clamp(px, -2f, 0f);
        return -MathF.Sqrt(px * px + py * py) * MathF.Sign(py) * h;
    }

    static float SegmentDistance(float px, float py, float ax, float ay, float bx, float by)
    {
        float pax = px - ax, pay = py - ay, bax = bx - ax, bay = by - ay;
        float h = Math.Clamp((pax * bax + pay * bay) / (bax * bax + bay * bay + 1e-12f), 0f, 1f);
        return MathF.Sqrt(Sq(pax - bax * h) + Sq(pay - bay * h));
    }
}
