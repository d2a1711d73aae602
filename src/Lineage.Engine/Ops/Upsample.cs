namespace Lineage.Engine;

/// <summary>Nearest-neighbour upsampling by integer factors, as torch.nn.functional.interpolate(mode='nearest').</summary>
public static partial class Functional
{
    public static Tensor UpsampleNearest2d(Tensor input, int scaleFactor) => UpsampleNearest2d(input, (scaleFactor, scaleFactor));

    /// <summary>[N, C, H, W] → [N, C, H·sH, W·sW]; each input pixel becomes an sH×sW block. The gradient sums each block.</summary>
    public static Tensor UpsampleNearest2d(Tensor input, (int H, int W) scaleFactor)
    {
        if (input.Rank != 4) throw new ArgumentException($"upsample_nearest2d: input must be [N, C, H, W], got {Tensor.FormatShape(input.Shape)}");
        if (scaleFactor.H < 1 || scaleFactor.W < 1) throw new ArgumentException($"upsample_nearest2d: scale factor must be a positive integer, got {scaleFactor}");
        int n = input.Shape[0], c = input.Shape[1], h = input.Shape[2], w = input.Shape[3];
        int sh = scaleFactor.H, sw = scaleFactor.W, oh = h * sh, ow = w * sw, planes = n * c;
        var o = Tensor.Empty(n, c, oh, ow);
        float[] xd = input.Data, od = o.Data;
        Par.For(planes, (long)oh * ow, (p0, p1) =>
        {
            for (int p = p0; p < p1; p++)
                for (int y = 0; y < h; y++)
                {
                    var row = od.AsSpan((p * oh + y * sh) * ow, ow);
                    int src = (p * h + y) * w;
                    for (int x = 0; x < w; x++) row.Slice(x * sw, sw).Fill(xd[src + x]);
                    for (int r = 1; r < sh; r++) row.CopyTo(od.AsSpan((p * oh + y * sh + r) * ow, ow));
                }
        });
        return Tensor.FromOp(o, "upsample_nearest2d", [input], g =>
        {
            var gx = Tensor.Empty(input.Shape);
            float[] gd = g.Data, gxd = gx.Data;
            Par.For(planes, (long)oh * ow, (p0, p1) =>
            {
                for (int p = p0; p < p1; p++)
                    for (int y = 0; y < h; y++)
                        for (int x = 0; x < w; x++)
                        {
                            float s = 0;
                            for (int r = 0; r < sh; r++)
                                for (int q = 0; q < sw; q++) s += gd[(p * oh + y * sh + r) * ow + x * sw + q];
                            gxd[(p * h + y) * w + x] = s;
                        }
            });
            return [gx];
        });
    }
}
