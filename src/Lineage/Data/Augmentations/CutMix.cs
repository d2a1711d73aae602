using Lineage.Engine;

namespace Lineage.Data.Augmentations;

/// <summary>A pasted rectangle, half-open: columns X0..X1-1, rows Y0..Y1-1.</summary>
public readonly record struct CutMixBox(int X0, int Y0, int X1, int Y1)
{
    public int Width => X1 - X0;
    public int Height => Y1 - Y0;
    public int Area => Width * Height;
    public float CenterX => (X0 + X1) / 2f;
    public float CenterY => (Y0 + Y1) / 2f;
}

/// <summary>
/// The result of CutMix (SAC Eq. 8; Yun et al. 2019): image i keeps its own pixels outside
/// <see cref="Boxes"/>[i] and takes partner <see cref="Partner"/>[i]'s pixels inside, so its label is
/// y~ = lambda_i * y_i + (1 - lambda_i) * y_partner, with lambda_i = 1 - box area / image area.
/// </summary>
public sealed record CutMixResult(Tensor Images, int[] Partner, float[] Lambda, CutMixBox[] Boxes)
{
    /// <summary>Mixed labels as soft-label rows [N, numClasses] (a persistent tensor).</summary>
    public Tensor SoftLabels(IReadOnlyList<int> labels, int numClasses)
    {
        if (labels.Count != Partner.Length) throw new ArgumentException($"{labels.Count} labels for a batch of {Partner.Length}");
        var soft = Tensor.Persistent(Partner.Length, numClasses);
        var rows = soft.Span;
        for (int i = 0; i < Partner.Length; i++)
        {
            int own = labels[i], other = labels[Partner[i]];
            if ((uint)own >= (uint)numClasses || (uint)other >= (uint)numClasses) throw new ArgumentException($"label outside 0..{numClasses - 1}");
            rows[i * numClasses + own] += Lambda[i];
            rows[i * numClasses + other] += 1 - Lambda[i];
        }
        return soft;
    }
}

/// <summary>Both CutMix forms: they differ only in how boxes are drawn.</summary>
public abstract class CutMixBase : IAugmentation
{
    /// <summary>Mixes the batch with a random permutation of itself.</summary>
    public CutMixResult Mix(Tensor batch, Generator gen)
    {
        var (n, c, h, w) = Batch.Dims(batch, GetType().Name);
        var partner = gen.Permutation(n);
        var boxes = DrawBoxes(n, h, w, gen);
        var output = batch.Clone();
        var src = batch.Span;
        var dst = output.Span;
        int plane = h * w;
        var lambda = new float[n];
        for (int i = 0; i < n; i++)
        {
            var box = boxes[i];
            for (int ch = 0; ch < c; ch++)
            {
                int to = (i * c + ch) * plane, from = (partner[i] * c + ch) * plane;
                for (int y = box.Y0; y < box.Y1; y++)
                    src.Slice(from + y * w + box.X0, box.Width).CopyTo(dst.Slice(to + y * w + box.X0, box.Width));
            }
            // Label weight from the box actually pasted, after clipping (Yun et al., Sec. 3.1).
            lambda[i] = 1f - box.Area / (float)plane;
        }
        return new CutMixResult(output, partner, lambda, boxes);
    }

    public Tensor Apply(Tensor batch, Generator gen) => Mix(batch, gen).Images;

    protected abstract CutMixBox[] DrawBoxes(int n, int h, int w, Generator gen);
}

/// <summary>
/// Standard CutMix (Yun et al. 2019): lambda ~ Beta(alpha, alpha), a box of W*sqrt(1 - lambda) by
/// H*sqrt(1 - lambda) centred uniformly in the image and clipped to it; lambda is then recomputed
/// from the clipped area. Yun's code draws one lambda and box for the whole batch; with
/// <see cref="BoxPerSample"/> every image gets its own.
/// </summary>
public sealed class YunCutMix(double alpha = 1.0, bool boxPerSample = false) : CutMixBase
{
    public double Alpha { get; } = alpha > 0 ? alpha : throw new ArgumentOutOfRangeException(nameof(alpha));
    public bool BoxPerSample { get; } = boxPerSample;

    protected override CutMixBox[] DrawBoxes(int n, int h, int w, Generator gen)
    {
        var boxes = new CutMixBox[n];
        for (int i = 0; i < n; i++)
            boxes[i] = BoxPerSample || i == 0 ? Draw(h, w, gen) : boxes[0];
        return boxes;
    }

    CutMixBox Draw(int h, int w, Generator gen)
    {
        double lambda = gen.NextBeta(Alpha, Alpha);
        double ratio = Math.Sqrt(1 - lambda);
        int cutW = (int)(w * ratio), cutH = (int)(h * ratio);
        int cx = gen.NextInt(w), cy = gen.NextInt(h);
        return new CutMixBox(Math.Clamp(cx - cutW / 2, 0, w), Math.Clamp(cy - cutH / 2, 0, h),
                             Math.Clamp(cx + cutW / 2, 0, w), Math.Clamp(cy + cutH / 2, 0, h));
    }
}

/// <summary>
/// CutMix as the SAC authors' code does it (SAC-m): one square box of side round(0.2 * W) shared by
/// the whole batch, its centre near a corner, i.e. outside (W/6, 5W/6) on both axes, so the pasted
/// patch is small and off the object. The box is shifted (not clipped) to stay inside the image, so
/// it always has the full side; for any ratio below 1/3 the shifted centre stays in the corner region.
/// </summary>
public sealed class CornerCutMix(double ratio = 0.2) : CutMixBase
{
    public double Ratio { get; } = ratio is > 0 and < 1.0 / 3 ? ratio : throw new ArgumentOutOfRangeException(nameof(ratio), "must lie in (0, 1/3) so the box fits a corner");

    public int Side(int width) => Math.Max(1, (int)Math.Round(Ratio * width, MidpointRounding.AwayFromZero));

    protected override CutMixBox[] DrawBoxes(int n, int h, int w, Generator gen)
    {
        int side = Side(w);
        if (side > h) throw new ArgumentException($"a {side}-pixel CutMix box does not fit images of height {h}");
        int x0 = CornerStart(w, side, gen), y0 = CornerStart(h, side, gen);
        var box = new CutMixBox(x0, y0, x0 + side, y0 + side);
        return Enumerable.Repeat(box, n).ToArray();
    }

    /// <summary>Start of a box whose centre is drawn from [0, L/6] or [5L/6, L] and then shifted inside.</summary>
    static int CornerStart(int length, int side, Generator gen)
    {
        double band = length / 6.0;
        double offset = gen.NextDouble() * band;
        // Rounding towards the nearer edge keeps the whole-pixel box's centre inside its band.
        int start = gen.NextInt(2) == 0
            ? (int)Math.Floor(offset - side / 2.0)
            : (int)Math.Ceiling(length - offset - side / 2.0);
        return Math.Clamp(start, 0, length - side);
    }
}
