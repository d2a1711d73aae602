namespace Lineage.Engine.Kernels;

/// <summary>Direct depthwise convolution (one input channel per output channel, groups = Cin): a GEMM per
/// group would have a single row, so each output plane is instead built from KH·KW scaled row passes.
/// Output channel co reads input channel co / multiplier (multiplier = Cout / Cin). Geometry as conv2d:
/// g.C = 1, g.H×g.W input plane, g.OH×g.OW output plane.</summary>
internal static class Depthwise
{
    /// <summary>out[n, co] = bias[co] + Σ_ki,kj w[co, ki, kj] · x[n, co / mult] shifted; planes spread over threads.</summary>
    public static void Forward(float[] x, float[] w, float[]? bias, float[] o, int n, int cin, int cout, in ConvGeometry g)
    {
        var geo = g;
        int mult = cout / cin, inPlane = g.H * g.W, outPlane = g.OH * g.OW, kk = g.KH * g.KW;
        Par.For(n * cout, (long)outPlane * kk, (p0, p1) =>
        {
            for (int p = p0; p < p1; p++)
            {
                int img = p / cout, co = p % cout;
                var src = x.AsSpan((img * cin + co / mult) * inPlane, inPlane);
                var dst = o.AsSpan(p * outPlane, outPlane);
                dst.Fill(bias?[co] ?? 0f);
                for (int ki = 0; ki < geo.KH; ki++)
                    for (int kj = 0; kj < geo.KW; kj++)
                        ShiftedAxpy(w[co * kk + ki * geo.KW + kj], src, dst, geo, ki, kj);
            }
        });
    }

    /// <summary>gx[n, ci] = Σ over the output channels reading ci of the transposed shifted passes.</summary>
    public static void BackwardInput(float[] grad, float[] w, float[] gx, int n, int cin, int cout, in ConvGeometry g)
    {
        var geo = g;
        int mult = cout / cin, inPlane = g.H * g.W, outPlane = g.OH * g.OW, kk = g.KH * g.KW;
        Par.For(n * cin, (long)outPlane * kk * mult, (p0, p1) =>
        {
            for (int p = p0; p < p1; p++)
            {
                int img = p / cin, ci = p % cin;
                var dst = gx.AsSpan(p * inPlane, inPlane);
                dst.Clear();
                for (int m = 0; m < mult; m++)
                {
                    int co = ci * mult + m;
                    var src = grad.AsSpan((img * cout + co) * outPlane, outPlane);
                    for (int ki = 0; ki < geo.KH; ki++)
                        for (int kj = 0; kj < geo.KW; kj++)
                            ShiftedAxpyTransposed(w[co * kk + ki * geo.KW + kj], src, dst, geo, ki, kj);
                }
            }
        });
    }

    /// <summary>gw[co, ki, kj] = Σ_n Σ_oh,ow grad[n, co, oh, ow] · x[n, co / mult, ih, iw], images summed in order.</summary>
    public static void BackwardWeight(float[] grad, float[] x, float[] gw, int n, int cin, int cout, in ConvGeometry g)
    {
        var geo = g;
        int mult = cout / cin, inPlane = g.H * g.W, outPlane = g.OH * g.OW, kk = g.KH * g.KW;
        Par.For(cout, (long)n * outPlane * kk, (c0, c1) =>
        {
            for (int co = c0; co < c1; co++)
                for (int ki = 0; ki < geo.KH; ki++)
                    for (int kj = 0; kj < geo.KW; kj++)
                    {
                        float s = 0;
                        for (int img = 0; img < n; img++)
                            s += ShiftedDot(grad.AsSpan((img * cout + co) * outPlane, outPlane), x.AsSpan((img * cin + co / mult) * inPlane, inPlane), geo, ki, kj);
                        gw[co * kk + ki * geo.KW + kj] = s;
                    }
        });
    }

    /// <summary>dst[oh, ow] += a · src[oh·s - p + ki·d, ow·s - p + kj·d] where inside the image.</summary>
    static void ShiftedAxpy(float a, ReadOnlySpan<float> src, Span<float> dst, in ConvGeometry g, int ki, int kj)
    {
        int wOff = kj * g.DW - g.PW;
        var (lo, hi) = Im2Col.ValidRange(wOff, g.SW, g.W, g.OW);
        for (int oh = 0; oh < g.OH; oh++)
        {
            int ih = oh * g.SH - g.PH + ki * g.DH;
            if ((uint)ih >= (uint)g.H || hi <= lo) continue;
            var srow = src.Slice(ih * g.W, g.W);
            var drow = dst.Slice(oh * g.OW, g.OW);
            if (g.SW == 1) Elementwise.Axpy(a, srow.Slice(lo + wOff, hi - lo), drow[lo..hi]);
            else for (int ow = lo; ow < hi; ow++) drow[ow] += a * srow[ow * g.SW + wOff];
        }
    }

    /// <summary>dst[ih, iw] += a · src[oh, ow] for every (oh, ow) that read (ih, iw) through kernel tap (ki, kj).</summary>
    static void ShiftedAxpyTransposed(float a, ReadOnlySpan<float> src, Span<float> dst, in ConvGeometry g, int ki, int kj)
    {
        int wOff = kj * g.DW - g.PW;
        var (lo, hi) = Im2Col.ValidRange(wOff, g.SW, g.W, g.OW);
        for (int oh = 0; oh < g.OH; oh++)
        {
            int ih = oh * g.SH - g.PH + ki * g.DH;
            if ((uint)ih >= (uint)g.H || hi <= lo) continue;
            var srow = src.Slice(oh * g.OW, g.OW);
            var drow = dst.Slice(ih * g.W, g.W);
            if (g.SW == 1) Elementwise.Axpy(a, srow[lo..hi], drow.Slice(lo + wOff, hi - lo));
            else for (int ow = lo; ow < hi; ow++) drow[ow * g.SW + wOff] += a * srow[ow];
        }
    }

    /// <summary>Σ_oh,ow grad[oh, ow] · x[oh·s - p + ki·d, ow·s - p + kj·d] over positions inside the image.</summary>
    static float ShiftedDot(ReadOnlySpan<float> grad, ReadOnlySpan<float> x, in ConvGeometry g, int ki, int kj)
    {
        int wOff = kj * g.DW - g.PW;
        var (lo, hi) = Im2Col.ValidRange(wOff, g.SW, g.W, g.OW);
        float s = 0;
        for (int oh = 0; oh < g.OH; oh++)
        {
            int ih = oh * g.SH - g.PH + ki * g.DH;
            if ((uint)ih >= (uint)g.H || hi <= lo) continue;
            var grow = grad.Slice(oh * g.OW, g.OW);
            var xrow = x.Slice(ih * g.W, g.W);
            if (g.SW == 1) s += Elementwise.Dot(grow[lo..hi], xrow.Slice(lo + wOff, hi - lo));
            else for (int ow = lo; ow < hi; ow++) s += grow[ow] * xrow[ow * g.SW + wOff];
        }
        return s;
    }
}
