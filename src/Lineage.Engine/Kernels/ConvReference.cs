namespace Lineage.Engine.Kernels;

/// <summary>Direct seven-loop convolutions (double accumulation) that the im2col + GEMM kernels are tested against.</summary>
internal static class ConvReference
{
    /// <summary>out[n, co, oh, ow] = b[co] + Σ x[n, g·Cin/G + ci, oh·s - p + kh·d, ow·s - p + kw·d] · w[co, ci, kh, kw].</summary>
    public static float[] Conv2d(float[] x, int n, int cin, int h, int w, float[] weight, int cout, int kh, int kw, float[]? bias,
        int sh, int sw, int ph, int pw, int dh, int dw, int groups, out int oh, out int ow)
    {
        oh = ConvGeometry.OutSize(h, kh, sh, ph, dh); ow = ConvGeometry.OutSize(w, kw, sw, pw, dw);
        int cinG = cin / groups, coutG = cout / groups;
        var o = new float[n * cout * oh * ow];
        for (int b = 0; b < n; b++)
            for (int co = 0; co < cout; co++)
            {
                int g = co / coutG;
                for (int y = 0; y < oh; y++)
                    for (int xo = 0; xo < ow; xo++)
                    {
                        double s = bias?[co] ?? 0;
                        for (int ci = 0; ci < cinG; ci++)
                            for (int i = 0; i < kh; i++)
                                for (int j = 0; j < kw; j++)
                                {
                                    int iy = y * sh - ph + i * dh, ix = xo * sw - pw + j * dw;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    s += (double)x[((b * cin + g * cinG + ci) * h + iy) * w + ix] * weight[((co * cinG + ci) * kh + i) * kw + j];
                                }
                        o[((b * cout + co) * oh + y) * ow + xo] = (float)s;
                    }
            }
        return o;
    }

    /// <summary>Transposed convolution by scattering: every input pixel adds x · w[ci, co, kh, kw] to
    /// out[n, g·Cout/G + co, ih·s - p + kh·d + ..., iw·s - p + kw·d]. Weight is [Cin, Cout/G, KH, KW].</summary>
    public static float[] ConvTranspose2d(float[] x, int n, int cin, int h, int w, float[] weight, int coutG, int kh, int kw, float[]? bias,
        int sh, int sw, int ph, int pw, int oph, int opw, int dh, int dw, int groups, out int oh, out int ow)
    {
        oh = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1;
        ow = (w - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1;
        int cinG = cin / groups, cout = coutG * groups;
        var acc = new double[n * cout * oh * ow];
        for (int b = 0; b < n; b++)
            for (int ci = 0; ci < cin; ci++)
            {
                int g = ci / cinG;
                for (int iy = 0; iy < h; iy++)
                    for (int ix = 0; ix < w; ix++)
                    {
                        double xv = x[((b * cin + ci) * h + iy) * w + ix];
                        for (int co = 0; co < coutG; co++)
                            for (int i = 0; i < kh; i++)
                                for (int j = 0; j < kw; j++)
                                {
                                    int y = iy * sh - ph + i * dh, xo = ix * sw - pw + j * dw;
                                    if (y < 0 || y >= oh || xo < 0 || xo >= ow) continue;
                                    acc[((b * cout + g * coutG + co) * oh + y) * ow + xo] += xv * weight[((ci * coutG + co) * kh + i) * kw + j];
                                }
                    }
            }
        var o = new float[acc.Length];
        for (int i = 0; i < o.Length; i++) o[i] = (float)(acc[i] + (bias?[(i / (oh * ow)) % cout] ?? 0));
        return o;
    }
}
