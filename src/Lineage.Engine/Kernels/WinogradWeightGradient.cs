using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lineage.Engine.Kernels;

/// <summary>
/// The weight gradient of a 3×3 stride-1 "same" convolution by Winograd F(2×2, 3×3), the transpose of
/// <see cref="Winograd"/>'s forward pass. The forward output tile is Y_t = Aᵀ [Σ_c U_c ⊙ V_t,c] A with
/// U = G g Gᵀ and V_t = Bᵀ d_t B (d_t the tile's 4×4 input window), so
/// dU[ξ][co, ci] = Σ_t (A dY_t,co Aᵀ)[ξ] · V_t,ci[ξ] and dg = Gᵀ dU G.
/// For each of the 16 positions ξ the sum over tiles is one GEMM [Cout, tiles] · [tiles, Cin] with 16 products
/// per tile and channel pair, against the direct weight gradient's 36 (<see cref="ImplicitConv.WeightGradient"/>).
/// Images are transposed to pixels × channels (channels padded to a multiple of 8) so the transforms are vector
/// operations over channels and the GEMM reads both transformed operands with unit stride.
/// The batch is cut into slices of <see cref="SliceImages"/> images, each summed into its own partial dU in
/// ascending image order, and the partials are added in slice order: the result does not depend on the threads.
/// </summary>
internal static unsafe class WinogradWeightGradient
{
    /// <summary>Tests switch this off to compare against the direct weight gradient.</summary>
    internal static bool Enabled = true;

    /// <summary>Images per partial sum: the unit of work of one thread.</summary>
    const int SliceImages = 8;
    /// <summary>Budget of one group's transformed operands, 16 · tiles · (Cin + Cout) floats (half of a 1 MiB L2).</summary>
    const int GroupBytes = 512 * 1024;

    /// <summary>A layer <see cref="Winograd"/> runs (3×3, stride 1, enough channels) with padding 1 on even planes
    /// (every output is in a whole tile) whose widths are multiples of 8 (the transposes' blocks), with input channels
    /// a multiple of 32 and output channels of 8 (the GEMM micro-kernel's tile, whose panels the transforms write),
    /// on a machine with AVX-512.</summary>
    public static bool Applies(in ConvGeometry g, int cout)
        => Enabled && Vector512.IsHardwareAccelerated && Avx2.IsSupported && Gemm.Path == GemmPath.Vector512 && Winograd.Applies(g, 1, cout)
           && g.PH == 1 && g.PW == 1 && g.H % 2 == 0 && g.W % 8 == 0 && g.C % 32 == 0 && cout % 8 == 0;

    /// <summary>gw[M, C, 3, 3] = the weight gradient of the convolution of x [n, C, H, W] whose output gradient is
    /// dy [n, M, H, W].</summary>
    public static void Run(float[] x, float[] dy, int n, in ConvGeometry g, int m, float[] gw)
    {
        int c = g.C, h = g.H, w = g.W, tiles = h / 2 * (w / 2);
        int group = (int)Math.Clamp(GroupBytes / (64L * tiles * (c + m)), 1, SliceImages);
        int slices = (n + SliceImages - 1) / SliceImages, du = 16 * m * c;
        int vPlane = Plane(group * tiles * c), uPlane = Plane(group * tiles * m);
        var partial = BufferPool.Rent(slices * du);
        var geo = g;
        try
        {
            Par.For(slices, 32L * SliceImages * tiles * m * c, (s, e) =>
            {
                var padded = BufferPool.Rent((h + 2) * (w + 2) * c);
                var grad = BufferPool.Rent(h * w * m);
                var v = BufferPool.Rent(16 * vPlane);
                var u = BufferPool.Rent(16 * uPlane);
                try
                {
                    padded.AsSpan(0, (h + 2) * (w + 2) * c).Clear();
                    fixed (float* x0 = x, dy0 = dy, p0 = padded, q0 = grad, v0 = v, u0 = u, part0 = partial)
                        for (int slice = s; slice < e; slice++)
                        {
                            int first = slice * SliceImages, last = Math.Min(n, first + SliceImages);
                            for (int i0 = first; i0 < last; i0 += group)
                            {
                                int count = Math.Min(group, last - i0), rows = count * tiles;
                                for (int i = 0; i < count; i++)
                                {
                                    ToPixelsPadded(x0 + (long)(i0 + i) * c * h * w, c, h, w, p0);
                                    ToPixels(dy0 + (long)(i0 + i) * m * h * w, m, h * w, q0);
                                    TransformImage(p0, q0, c, m, h, w, v0, vPlane, u0, uPlane, i * tiles, rows);
                                }
                                // the transforms wrote the micro-kernel's panels: 8 output channels or 32 input channels by tile
                                for (int xi = 0; xi < 16; xi++)
                                    for (int mb = 0; mb < m / 8; mb++)
                                        for (int cb = 0; cb < c / 32; cb++)
                                            Gemm.Kernel8x32(rows, u0 + (long)xi * uPlane + (long)mb * rows * 8, v0 + (long)xi * vPlane + (long)cb * rows * 32,
                                                part0 + (long)slice * du + (long)xi * m * c + mb * 8 * c + cb * 32, c, 1f, i0 == first ? 0f : 1f);
                            }
                        }
                }
                finally
                {
                    BufferPool.Return(padded); BufferPool.Return(grad); BufferPool.Return(v); BufferPool.Return(u);
                }
            });
            // partials added in slice order, then dg = Gᵀ dU G for each filter
            Par.For(du, 2L * slices, (s, e) =>
            {
                for (int slice = 1; slice < slices; slice++) Elementwise.AddInPlace(partial.AsSpan(s, e - s), partial.AsSpan(slice * du + s, e - s));
            });
            Par.For(m, 32L * c, (s, e) =>
            {
                Span<float> one = stackalloc float[16];
                for (int co = s; co < e; co++)
                    for (int ci = 0; ci < c; ci++)
                    {
                        for (int xi = 0; xi < 16; xi++) one[xi] = partial[xi * m * c + co * c + ci];
                        FilterFromTransformed(one, gw.AsSpan((co * c + ci) * 9, 9));
                    }
            });
        }
        finally { BufferPool.Return(partial); }
    }

    /// <summary>Floats from one ξ's operand to the next: the operand, + 64 so that the 16 values a tile's transform
    /// stores, one per ξ, fall 256 bytes apart within 4 KiB. Operands a multiple of 4 KiB long put all 16 in one L1
    /// set (and alias in the store-to-load check): the transforms then took 3.6 ms of thread time per 32-channel
    /// 16×16 layer at batch 64, four times the GEMM's.</summary>
    static int Plane(int floats) => (floats + 15) / 16 * 16 + 64;

    /// <summary>dg = Gᵀ dU G for one filter, G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]].</summary>
    internal static void FilterFromTransformed(ReadOnlySpan<float> du, Span<float> dg)
    {
        Span<float> t = stackalloc float[12];
        for (int b = 0; b < 4; b++)
        {
            float d0 = du[b], d1 = du[4 + b], d2 = du[8 + b], d3 = du[12 + b];
            t[b] = d0 + 0.5f * (d1 + d2); t[4 + b] = 0.5f * (d1 - d2); t[8 + b] = 0.5f * (d1 + d2) + d3;
        }
        for (int p = 0; p < 3; p++)
        {
            float h0 = t[p * 4], h1 = t[p * 4 + 1], h2 = t[p * 4 + 2], h3 = t[p * 4 + 3];
            dg[p * 3] = h0 + 0.5f * (h1 + h2); dg[p * 3 + 1] = 0.5f * (h1 - h2); dg[p * 3 + 2] = 0.5f * (h1 + h2) + h3;
        }
    }

    /// <summary>One image [C, H, W] into the interior of its zero-bordered [(H + 2)·(W + 2), C] pixel rows (the border
    /// stays as cleared).</summary>
    static void ToPixelsPadded(float* src, int c, int h, int w, float* dst)
    {
        for (int y = 0; y < h; y++)
            for (int x0 = 0; x0 < w; x0 += 8)
                for (int c0 = 0; c0 < c; c0 += 8)
                    Gemm.Transpose8x8(src + (long)c0 * h * w + y * w + x0, h * w, dst + ((long)(y + 1) * (w + 2) + x0 + 1) * c + c0, c);
    }

    /// <summary>One image [C, P] into [P, C] (P a multiple of 8).</summary>
    static void ToPixels(float* src, int c, int pixels, float* dst)
    {
        for (int p0 = 0; p0 < pixels; p0 += 8)
            for (int c0 = 0; c0 < c; c0 += 8)
                Gemm.Transpose8x8(src + (long)c0 * pixels + p0, pixels, dst + (long)p0 * c + c0, c);
    }

    /// <summary>The image's tiles at rows first..first+tiles of the group's operands, which hold `rows` tiles per ξ:
    /// v[ξ][C/32][t][32] = (Bᵀ d_t B)[ξ] from the padded pixels and u[ξ][M/8][t][8] = (A dY_t Aᵀ)[ξ] from the output
    /// gradient's, each block of channels a GEMM micro-kernel panel.</summary>
    static void TransformImage(float* p, float* q, int c, int m, int h, int w, float* v, long vPlane, float* u, long uPlane, int first, int rows)
    {
        int wp = w + 2, tw = w / 2;
        var d = stackalloc Vector256<float>[16];
        for (int ty = 0; ty < h / 2; ty++)
            for (int tx = 0; tx < tw; tx++)
            {
                int t = first + ty * tw + tx;
                float* window = p + ((long)2 * ty * wp + 2 * tx) * c;
                for (int c0 = 0; c0 < c; c0 += 8)
                {
                    // Bᵀ d: rows (d0 − d2, d1 + d2, d2 − d1, d1 − d3), then the same over columns
                    for (int j = 0; j < 4; j++)
                    {
                        float* col = window + (long)j * c + c0;
                        var d0 = Avx.LoadVector256(col); var d1 = Avx.LoadVector256(col + (long)wp * c);
                        var d2 = Avx.LoadVector256(col + 2L * wp * c); var d3 = Avx.LoadVector256(col + 3L * wp * c);
                        d[j] = d0 - d2; d[4 + j] = d1 + d2; d[8 + j] = d2 - d1; d[12 + j] = d1 - d3;
                    }
                    float* dst = v + (long)(c0 / 32) * rows * 32 + (long)t * 32 + c0 % 32;
                    for (int k = 0; k < 4; k++)
                    {
                        var e0 = d[k * 4]; var e1 = d[k * 4 + 1]; var e2 = d[k * 4 + 2]; var e3 = d[k * 4 + 3];
                        Avx.Store(dst + (k * 4) * vPlane, e0 - e2);
                        Avx.Store(dst + (k * 4 + 1) * vPlane, e1 + e2);
                        Avx.Store(dst + (k * 4 + 2) * vPlane, e2 - e1);
                        Avx.Store(dst + (k * 4 + 3) * vPlane, e1 - e3);
                    }
                }
                float* y = q + ((long)2 * ty * w + 2 * tx) * m;
                for (int m0 = 0; m0 < m; m0 += 8)
                {
                    // A dY Aᵀ, A = [[1, 0], [1, 1], [1, −1], [0, −1]]: rows (y0, y0 + y1, y0 − y1, −y1), then columns
                    var y00 = Avx.LoadVector256(y + m0); var y01 = Avx.LoadVector256(y + m + m0);
                    var y10 = Avx.LoadVector256(y + (long)w * m + m0); var y11 = Avx.LoadVector256(y + (long)(w + 1) * m + m0);
                    var r00 = y00; var r01 = y01;
                    var r10 = y00 + y10; var r11 = y01 + y11;
                    var r20 = y00 - y10; var r21 = y01 - y11;
                    var r30 = -y10; var r31 = -y11;
                    float* dst = u + (long)(m0 / 8) * rows * 8 + (long)t * 8;
                    Columns(dst, uPlane, 0, r00, r01);
                    Columns(dst, uPlane, 4, r10, r11);
                    Columns(dst, uPlane, 8, r20, r21);
                    Columns(dst, uPlane, 12, r30, r31);
                }
            }
    }

    static void Columns(float* dst, long plane, int xi, Vector256<float> z0, Vector256<float> z1)
    {
        Avx.Store(dst + xi * plane, z0);
        Avx.Store(dst + (xi + 1) * plane, z0 + z1);
        Avx.Store(dst + (xi + 2) * plane, z0 - z1);
        Avx.Store(dst + (xi + 3) * plane, -z1);
    }

    /// <summary>The same weight gradient tile by tile in scalar loops, straight from the formulas: the reference
    /// the fast kernel is tested against.</summary>
    internal static void Reference(float[] x, float[] dy, int n, int c, int h, int w, int m, float[] gw)
    {
        var du = new double[m, c, 16];
        float P(int img, int ci, int yy, int xx) => yy < 1 || yy > h || xx < 1 || xx > w ? 0f : x[((img * c + ci) * h + yy - 1) * w + xx - 1];
        for (int img = 0; img < n; img++)
            for (int ty = 0; ty < h / 2; ty++)
                for (int tx = 0; tx < w / 2; tx++)
                {
                    var vt = new float[c, 16];
                    for (int ci = 0; ci < c; ci++)
                    {
                        var dd = new float[4, 4];
                        for (int i = 0; i < 4; i++)
                            for (int j = 0; j < 4; j++) dd[i, j] = P(img, ci, 2 * ty + i, 2 * tx + j);
                        float[,] bt = { { 1, 0, -1, 0 }, { 0, 1, 1, 0 }, { 0, -1, 1, 0 }, { 0, 1, 0, -1 } };
                        for (int a = 0; a < 4; a++)
                            for (int b = 0; b < 4; b++)
                            {
                                float s = 0;
                                for (int i = 0; i < 4; i++)
                                    for (int j = 0; j < 4; j++) s += bt[a, i] * dd[i, j] * bt[b, j];
                                vt[ci, a * 4 + b] = s;
                            }
                    }
                    float[,] aa = { { 1, 0 }, { 1, 1 }, { 1, -1 }, { 0, -1 } };
                    for (int co = 0; co < m; co++)
                    {
                        float Y(int r, int s) => dy[((img * m + co) * h + 2 * ty + r) * w + 2 * tx + s];
                        for (int a = 0; a < 4; a++)
                            for (int b = 0; b < 4; b++)
                            {
                                float mt = 0;
                                for (int r = 0; r < 2; r++)
                                    for (int s = 0; s < 2; s++) mt += aa[a, r] * Y(r, s) * aa[b, s];
                                for (int ci = 0; ci < c; ci++) du[co, ci, a * 4 + b] += mt * vt[ci, a * 4 + b];
                            }
                    }
                }
        double[,] gm = { { 1, 0, 0 }, { 0.5, 0.5, 0.5 }, { 0.5, -0.5, 0.5 }, { 0, 0, 1 } };
        for (int co = 0; co < m; co++)
            for (int ci = 0; ci < c; ci++)
                for (int p = 0; p < 3; p++)
                    for (int r = 0; r < 3; r++)
                    {
                        double s = 0;
                        for (int a = 0; a < 4; a++)
                            for (int b = 0; b < 4; b++) s += gm[a, p] * du[co, ci, a * 4 + b] * gm[b, r];
                        gw[(co * c + ci) * 9 + p * 3 + r] = (float)s;
                    }
    }
}
