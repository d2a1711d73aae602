using Lineage.Engine;

namespace Lineage.Fingerprints.NaturalFinger;

/// <summary>The input transformations NaturalFinger draws one of per optimisation step and screens under
/// (ALGORITHMS.md, the authors' code): identity, horizontal flip, Gaussian noise 0.02, translation by up to 4 px,
/// shear by up to 0.1.</summary>
public enum NaturalTransformKind { Identity, Flip, Noise, Translate, Shear }

/// <summary>
/// One concrete transform, differentiable in the image. Flip, translation and shear are pixel remaps (nearest
/// pixel, zero outside the image) applied as one index gather, so gradients flow back to the latent; shear
/// shifts each row in proportion to its distance from the centre.
/// </summary>
public sealed record NaturalTransform(NaturalTransformKind Kind, int Dx = 0, int Dy = 0, double Shear = 0, float NoiseStd = 0.02f, int NoiseSeed = 0)
{
    public const int MaxTranslate = 4;
    public const double MaxShear = 0.1;

    /// <summary>A random transform, each kind equally likely, its amount uniform in the paper's range.</summary>
    public static NaturalTransform Random(Generator gen)
    {
        var kind = (NaturalTransformKind)gen.NextInt(5);
        return kind switch
        {
            NaturalTransformKind.Translate => new(kind, Dx: gen.NextInt(-MaxTranslate, MaxTranslate + 1), Dy: gen.NextInt(-MaxTranslate, MaxTranslate + 1)),
            NaturalTransformKind.Shear => new(kind, Shear: (gen.NextDouble() * 2 - 1) * MaxShear),
            NaturalTransformKind.Noise => new(kind, NoiseSeed: (int)gen.NextInt(int.MaxValue)),
            _ => new(kind),
        };
    }

    /// <summary>The candidate screening transforms: each kind at its extremes, and one-pixel shifts (which models trained
    /// without augmentation may respect where they do not respect two; <see cref="ScreeningTransforms"/> chooses).</summary>
    public static IReadOnlyList<NaturalTransform> ScreeningSet { get; } =
    [
        new(NaturalTransformKind.Identity),
        new(NaturalTransformKind.Flip),
        new(NaturalTransformKind.Noise, NoiseSeed: 1),
        new(NaturalTransformKind.Translate, Dx: 2, Dy: 2),
        new(NaturalTransformKind.Translate, Dx: -2, Dy: -2),
        new(NaturalTransformKind.Translate, Dx: 1, Dy: 0),
        new(NaturalTransformKind.Translate, Dx: -1, Dy: 0),
        new(NaturalTransformKind.Translate, Dx: 0, Dy: 1),
        new(NaturalTransformKind.Translate, Dx: 0, Dy: -1),
        new(NaturalTransformKind.Shear, Shear: MaxShear),
        new(NaturalTransformKind.Shear, Shear: -MaxShear),
    ];

    public Tensor Apply(Tensor images)
    {
        if (images.Rank != 4) throw new ArgumentException($"transforms take [N, C, H, W] images, got {Tensor.FormatShape(images.Shape)}");
        int n = images.Shape[0], c = images.Shape[1], h = images.Shape[2], w = images.Shape[3];
        switch (Kind)
        {
            case NaturalTransformKind.Identity:
                return images;
            case NaturalTransformKind.Noise:
                return (images + Tensor.Randn(new Generator(NoiseSeed), images.Shape) * NoiseStd).Clamp(0f, 1f);
            default:
                var source = new int[h * w];
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        var (sx, sy) = SourcePixel(x, y, h, w);
                        source[y * w + x] = sx >= 0 && sx < w && sy >= 0 && sy < h ? sy * w + sx : h * w;   // h·w: the zero pixel
                    }
                var flat = images.Reshape(n, c, h * w);
                var padded = Tensor.Cat([flat, Tensor.Zeros(n, c, 1)], 2);
                return padded.IndexSelect(2, source).Reshape(n, c, h, w);
        }
    }

    (int X, int Y) SourcePixel(int x, int y, int h, int w) => Kind switch
    {
        NaturalTransformKind.Flip => (w - 1 - x, y),
        NaturalTransformKind.Translate => (x - Dx, y - Dy),
        NaturalTransformKind.Shear => (x - (int)Math.Round(Shear * (y - (h - 1) / 2.0)), y),
        _ => (x, y),
    };

    public override string ToString() => Kind switch
    {
        NaturalTransformKind.Translate => $"translate({Dx},{Dy})",
        NaturalTransformKind.Shear => $"shear({Shear:0.###})",
        NaturalTransformKind.Noise => $"noise({NoiseStd})",
        _ => Kind.ToString().ToLowerInvariant(),
    };
}
