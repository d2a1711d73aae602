namespace Lineage.Engine.Kernels;

/// <summary>Geometry of one image plane stack seen through a sliding kernel: an image of C×H×W,
/// a KH×KW kernel with stride, zero padding and dilation, and the OH×OW grid of kernel positions.
/// Convolution slides over its input; transposed convolution slides over its output.</summary>
internal readonly record struct ConvGeometry(int C, int H, int W, int KH, int KW, int SH, int SW, int PH, int PW, int DH, int DW, int OH, int OW)
{
    /// <summary>Rows of the column matrix: one per (channel, kernel row, kernel column).</summary>
    public int ColRows => C * KH * KW;
    /// <summary>Columns of the column matrix: one per kernel position.</summary>
    public int ColCols => OH * OW;
    /// <summary>1×1, stride 1, no padding: the image already is its column matrix.</summary>
    public bool IsPointwise => KH == 1 && KW == 1 && SH == 1 && SW == 1 && PH == 0 && PW == 0;

    public static int OutSize(int size, int kernel, int stride, int padding, int dilation)
        => (size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;
}

/// <summary>im2col / col2im: unfold an image into the [C·KH·KW, OH·OW] matrix whose product with a
/// [Cout, C·KH·KW] weight is the convolution, and fold such a matrix back (adding overlaps).</summary>
internal static class Im2Col
{
    /// <summary>Range of output columns ow whose input column ow·stride + offset lies in [0, width).</summary>
    static (int lo, int hi) ValidRange(int offset, int stride, int width, int outWidth)
    {
        int lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int hi = width - offset <= 0 ? 0 : Math.Min(outWidth, (width - offset + stride - 1) / stride);
        return (Math.Min(lo, hi), hi);
    }

    public static void Unfold(ReadOnlySpan<float> img, in ConvGeometry g, Span<float> col)
    {
        int plane = g.OH * g.OW;
        for (int c = 0; c < g.C; c++)
        {
            var src = img.Slice(c * g.H * g.W, g.H * g.W);
            for (int ki = 0; ki < g.KH; ki++)
                for (int kj = 0; kj < g.KW; kj++)
                {
                    var dst = col.Slice(((c * g.KH + ki) * g.KW + kj) * plane, plane);
                    int wOff = kj * g.DW - g.PW;
                    var (lo, hi) = ValidRange(wOff, g.SW, g.W, g.OW);
                    for (int oh = 0; oh < g.OH; oh++)
                    {
                        var drow = dst.Slice(oh * g.OW, g.OW);
                        int ih = oh * g.SH - g.PH + ki * g.DH;
                        if ((uint)ih >= (uint)g.H) { drow.Clear(); continue; }
                        var srow = src.Slice(ih * g.W, g.W);
                        drow[..lo].Clear();
                        if (g.SW == 1) srow.Slice(lo + wOff, hi - lo).CopyTo(drow[lo..hi]);
                        else for (int ow = lo; ow < hi; ow++) drow[ow] = srow[ow * g.SW + wOff];
                        drow[hi..].Clear();
                    }
                }
        }
    }

    /// <summary>img += fold(col): every column entry is added to the image pixel it was read from.</summary>
    public static void FoldAdd(ReadOnlySpan<float> col, in ConvGeometry g, Span<float> img)
    {
        int plane = g.OH * g.OW;
        for (int c = 0; c < g.C; c++)
        {
            var dst = img.Slice(c * g.H * g.W, g.H * g.W);
            for (int ki = 0; ki < g.KH; ki++)
                for (int kj = 0; kj < g.KW; kj++)
                {
                    var src = col.Slice(((c * g.KH + ki) * g.KW + kj) * plane, plane);
                    int wOff = kj * g.DW - g.PW;
                    var (lo, hi) = ValidRange(wOff, g.SW, g.W, g.OW);
                    for (int oh = 0; oh < g.OH; oh++)
                    {
                        int ih = oh * g.SH - g.PH + ki * g.DH;
                        if ((uint)ih >= (uint)g.H) continue;
                        var srow = src.Slice(oh * g.OW, g.OW);
                        var drow = dst.Slice(ih * g.W, g.W);
                        if (g.SW == 1) Elementwise.AddInPlace(drow.Slice(lo + wOff, hi - lo), srow[lo..hi]);
                        else for (int ow = lo; ow < hi; ow++) drow[ow * g.SW + wOff] += srow[ow];
                    }
                }
        }
    }
}
