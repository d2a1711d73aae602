using System.Runtime.Intrinsics;

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
    internal static (int lo, int hi) ValidRange(int offset, int stride, int width, int outWidth)
    {
        int lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int hi = width - offset <= 0 ? 0 : Math.Min(outWidth, (width - offset + stride - 1) / stride);
        return (Math.Min(lo, hi), hi);
    }

    /// <summary>col[(c·KH + ki)·KW + kj, oh·OW + ow] = img[c, oh·SH - PH + ki·DH, ow·SW - PW + kj·DW] (0 outside).
    /// Rows are short (often 8 to 32 floats), so the loop works on raw pointers with inline copies.</summary>
    public static unsafe void Unfold(ReadOnlySpan<float> img, in ConvGeometry g, Span<float> col)
    {
        int plane = g.OH * g.OW, inPlane = g.H * g.W;
        if (img.Length < g.C * inPlane || col.Length < g.ColRows * plane) throw new ArgumentException("im2col: buffer too small for the geometry");
        fixed (float* x0 = img, c0 = col)
        {
            float* dst = c0;
            for (int c = 0; c < g.C; c++)
            {
                float* src = x0 + (long)c * inPlane;
                for (int ki = 0; ki < g.KH; ki++)
                    for (int kj = 0; kj < g.KW; kj++)
                    {
                        int wOff = kj * g.DW - g.PW;
                        var (lo, hi) = ValidRange(wOff, g.SW, g.W, g.OW);
                        for (int oh = 0; oh < g.OH; oh++, dst += g.OW)
                        {
                            int ih = oh * g.SH - g.PH + ki * g.DH;
                            if ((uint)ih >= (uint)g.H) { for (int ow = 0; ow < g.OW; ow++) dst[ow] = 0f; continue; }
                            float* srow = src + ih * g.W + wOff;
                            for (int ow = 0; ow < lo; ow++) dst[ow] = 0f;
                            if (g.SW == 1) CopyRun(srow + lo, dst + lo, hi - lo);
                            else for (int ow = lo; ow < hi; ow++) dst[ow] = srow[ow * g.SW];
                            for (int ow = hi; ow < g.OW; ow++) dst[ow] = 0f;
                        }
                    }
            }
        }
    }

    /// <summary>img += fold(col): every column entry is added to the image pixel it was read from.</summary>
    public static unsafe void FoldAdd(ReadOnlySpan<float> col, in ConvGeometry g, Span<float> img)
    {
        int plane = g.OH * g.OW, inPlane = g.H * g.W;
        if (img.Length < g.C * inPlane || col.Length < g.ColRows * plane) throw new ArgumentException("col2im: buffer too small for the geometry");
        fixed (float* x0 = img, c0 = col)
        {
            float* src = c0;
            for (int c = 0; c < g.C; c++)
            {
                float* dstPlane = x0 + (long)c * inPlane;
                for (int ki = 0; ki < g.KH; ki++)
                    for (int kj = 0; kj < g.KW; kj++)
                    {
                        int wOff = kj * g.DW - g.PW;
                        var (lo, hi) = ValidRange(wOff, g.SW, g.W, g.OW);
                        for (int oh = 0; oh < g.OH; oh++, src += g.OW)
                        {
                            int ih = oh * g.SH - g.PH + ki * g.DH;
                            if ((uint)ih >= (uint)g.H) continue;
                            float* drow = dstPlane + ih * g.W + wOff;
                            if (g.SW == 1) AddRun(src + lo, drow + lo, hi - lo);
                            else for (int ow = lo; ow < hi; ow++) drow[ow * g.SW] += src[ow];
                        }
                    }
            }
        }
    }

    static unsafe void CopyRun(float* s, float* d, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated) for (; i <= n - 16; i += 16) Vector512.Store(Vector512.Load(s + i), d + i);
        if (Vector256.IsHardwareAccelerated) for (; i <= n - 8; i += 8) Vector256.Store(Vector256.Load(s + i), d + i);
        for (; i < n; i++) d[i] = s[i];
    }

    static unsafe void AddRun(float* s, float* d, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated) for (; i <= n - 16; i += 16) Vector512.Store(Vector512.Load(d + i) + Vector512.Load(s + i), d + i);
        if (Vector256.IsHardwareAccelerated) for (; i <= n - 8; i += 8) Vector256.Store(Vector256.Load(d + i) + Vector256.Load(s + i), d + i);
        for (; i < n; i++) d[i] += s[i];
    }
}
