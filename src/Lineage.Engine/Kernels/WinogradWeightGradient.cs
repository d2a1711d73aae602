using System.Runtime.CompilerServices;
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
/// Images are transposed to pixels × channels so the transforms are vector operations over channels, and they write
/// the GEMM micro-kernels' panels directly.
/// The batch is cut into slices of at least <see cref="SliceImages"/> images, each summed into its own partial dU in
/// ascending image order, and the partials are added in slice order: the result does not depend on the threads.
/// ResNet-20's training step (batch 64, 2 threads, variants interleaved in one process): the 32- and 64-channel
/// layers' weight gradients 7.4 ms against the direct kernel's 13.2, and their forward and input-gradient passes
/// 2.1 ms faster without the grids they copied for it (step 68.0 against 77.0 ms); the 16-channel layers' 8.6 ms
/// against 8.8, their forward passes 1.2 ms faster without the padded copies (step 78.5 against 80.0 in a slower spell).
/// Planes whose height is a multiple of 4 take F(4×4, 3×3) instead (<see cref="TransformImageLarge"/>,
/// <see cref="FiltersFromTransformedLarge"/>): 36 GEMMs over a quarter as many tiles, 2.25 products per output and
/// channel pair instead of 4. ResNet-20's step, interleaved as above (two runs of 16 rounds): all its weight
/// gradients 12.8 and 14.8 ms against 19.3 and 21.3 (the partial sums, 2.25 times as many, 1.4–1.6 against about
/// 0.8), the step 67.8 and 76.4 ms against 72.6 and 80.2.
/// </summary>
internal static unsafe class WinogradWeightGradient
{
    /// <summary>Tests switch this off to compare against the direct weight gradient.</summary>
    internal static bool Enabled = true;

    /// <summary>Tests switch this off to run F(2×2, 3×3) where F(4×4, 3×3) would apply.</summary>
    internal static bool LargeTiles = true;

    /// <summary>Images per partial sum: the unit of work of one thread.</summary>
    const int SliceImages = 8;
    /// <summary>Most floats of partial sums, 16·Cout·Cin per slice (64 MiB): wide layers get fewer, larger slices.
    /// Tests lower it.</summary>
    internal static int PartialFloats = 16 << 20;
    /// <summary>Budget of one group's transformed operands, 16 · tiles · (Cin + Cout) floats (half of a 1 MiB L2).</summary>
    const int GroupBytes = 512 * 1024;

    /// <summary>A 3×3 stride-1 layer with padding 1 on even planes (every output is in a whole tile) whose widths are
    /// multiples of 8 (the transposes' blocks), with input channels a multiple of 32 and output channels of 8, or both
    /// multiples of 16 (the GEMM micro-kernel tiles whose panels the transforms write), on a machine with AVX-512.</summary>
    public static bool Applies(in ConvGeometry g, int cout)
        => Enabled && Gemm.Path == GemmPath.Vector512 // only on AVX-512 hardware; tests lower it to reach the other paths
           && g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 && g.DH == 1 && g.DW == 1 && g.PH == 1 && g.PW == 1
           && g.H % 2 == 0 && g.W % 8 == 0 && (g.C % 32 == 0 && cout % 8 == 0 || g.C % 16 == 0 && cout % 16 == 0);

    /// <summary>gw[M, C, 3, 3] = the weight gradient of the convolution of x [n, C, H, W] whose output gradient is
    /// dy [n, M, H, W].</summary>
    public static void Run(float[] x, float[] dy, int n, in ConvGeometry g, int m, float[] gw)
    {
        // F(4×4, 3×3) where the planes split into whole 4×4 tiles, else F(2×2, 3×3); xis transformed values per tile
        bool large = LargeTiles && g.H % 4 == 0;
        int tile = large ? 4 : 2, xis = (tile + 2) * (tile + 2);
        int c = g.C, h = g.H, w = g.W, tiles = h / tile * (w / tile);
        int group = (int)Math.Clamp(GroupBytes / (4L * xis * tiles * (c + m)), 1, SliceImages);
        int du = xis * m * c, maxSlices = Math.Max(1, PartialFloats / du), sliceImages = Math.Max(SliceImages, (n + maxSlices - 1) / maxSlices);
        int slices = (n + sliceImages - 1) / sliceImages;
        int vPlane = Plane(group * tiles * c), uPlane = Plane(group * tiles * m);
        // panels: 32 input channels by 8 output channels (Gemm's 8×32 tile), or 16 by 16 when Cin is not a multiple of 32
        int nb = c % 32 == 0 ? 32 : 16, mb = nb == 32 ? 8 : 16;
        var partial = BufferPool.Rent(slices * du);
        try
        {
            Par.For(slices, 32L * sliceImages * tiles * m * c, (s, e) =>
            {
                var padded = BufferPool.Rent((h + 2) * (w + 2) * c);
                var grad = BufferPool.Rent(h * w * m);
                var v = BufferPool.Rent(xis * vPlane);
                var u = BufferPool.Rent(xis * uPlane);
                try
                {
                    padded.AsSpan(0, (h + 2) * (w + 2) * c).Clear();
                    fixed (float* x0 = x, dy0 = dy, p0 = padded, q0 = grad, v0 = v, u0 = u, part0 = partial)
                    {
                        for (int slice = s; slice < e; slice++)
                        {
                            int first = slice * sliceImages, last = Math.Min(n, first + sliceImages);
                            for (int i0 = first; i0 < last; i0 += group)
                            {
                                int count = Math.Min(group, last - i0), rows = count * tiles;
                                for (int i = 0; i < count; i++)
                                {
                                    ToPixelsPadded(x0 + (long)(i0 + i) * c * h * w, c, h, w, p0);
                                    ToPixels(dy0 + (long)(i0 + i) * m * h * w, m, h * w, q0);
                                    if (large) TransformImageLarge(p0, q0, c, m, h, w, v0, vPlane, nb, u0, uPlane, mb, i * tiles, rows);
                                    else TransformImage(p0, q0, c, m, h, w, v0, vPlane, nb, u0, uPlane, mb, i * tiles, rows);
                                }
                                // the transforms wrote the micro-kernels' panels
                                for (int xi = 0; xi < xis; xi++)
                                    for (int m0 = 0; m0 < m; m0 += mb)
                                        for (int c0 = 0; c0 < c; c0 += nb)
                                        {
                                            float* a = u0 + (long)xi * uPlane + (long)m0 * rows, b = v0 + (long)xi * vPlane + (long)c0 * rows;
                                            float* d = part0 + (long)slice * du + (long)xi * m * c + m0 * c + c0;
                                            if (nb == 32) Gemm.Kernel8x32(rows, a, b, d, c, 1f, i0 == first ? 0f : 1f);
                                            else Kernel16x16(rows, a, b, d, c, i0 == first);
                                        }
                            }
                        }
                    }
                }
                finally
                {
                    BufferPool.Return(padded); BufferPool.Return(grad); BufferPool.Return(v); BufferPool.Return(u);
                }
            });
            // the partials added in slice order into the first, streaming through them: the same additions in the same
            // order as adding them filter by filter below, where each of a filter block's 36 × slices vectors lay on a page
            // of its own (16 KiB apart by ξ, du floats by slice) and the 64-channel 8×8 layers' sums took 0.27–0.34 ms on
            // one thread or two at batch 64; streamed, 0.09–0.10 and the filters' transform 0.07–0.08
            if (slices > 1)
                Par.For(du / 16, 32L * slices, (s, e) =>
                {
                    fixed (float* du0 = partial)
                        for (long q = 16L * s; q < 16L * e; q += 16)
                        {
                            var sum = Vector512.Load(du0 + q);
                            for (int slice = 1; slice < slices; slice++) sum += Vector512.Load(du0 + (long)slice * du + q);
                            sum.Store(du0 + q);
                        }
                });
            // then dg = Gᵀ dU G for each filter
            Par.For(m, 32L * c * xis, (s, e) =>
            {
                var one = stackalloc Vector512<float>[36];
                var dg = stackalloc float[9 * 16];
                fixed (float* du0 = partial, gw0 = gw)
                    for (int co = s; co < e; co++)
                        for (int c0 = 0; c0 < c; c0 += 16)
                        {
                            // 16 filters at once, one per lane, then their 9 taps written filter by filter
                            for (int xi = 0; xi < xis; xi++) one[xi] = Vector512.Load(du0 + (long)xi * m * c + co * c + c0);
                            if (large) FiltersFromTransformedLarge(one, dg);
                            else FiltersFromTransformed(one, dg);
                            float* dst = gw0 + (long)(co * c + c0) * 9;
                            for (int f = 0; f < 16; f++)
                                for (int k = 0; k < 9; k++) dst[f * 9 + k] = dg[k * 16 + f];
                        }
            });
        }
        finally { BufferPool.Return(partial); }
    }

    /// <summary>d[16×16] (+)= Σ_k a[k][16]ᵀ b[k][16]: 16 output channels by 16 input channels, one accumulator per output
    /// channel (Gemm's 8×32 tile would leave half of each 32-wide panel empty for 16 input channels).</summary>
    static void Kernel16x16(int kc, float* a, float* b, float* d, int ldd, bool overwrite)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        Vector512<float> c8 = default, c9 = default, ca = default, cb = default, cc = default, cd = default, ce = default, cf = default;
        for (int k = 0; k < kc; k++, a += 16, b += 16)
        {
            var bv = Vector512.Load(b);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), bv, c0); c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[1]), bv, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[2]), bv, c2); c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[3]), bv, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a[4]), bv, c4); c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a[5]), bv, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a[6]), bv, c6); c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a[7]), bv, c7);
            c8 = Vector512.FusedMultiplyAdd(Vector512.Create(a[8]), bv, c8); c9 = Vector512.FusedMultiplyAdd(Vector512.Create(a[9]), bv, c9);
            ca = Vector512.FusedMultiplyAdd(Vector512.Create(a[10]), bv, ca); cb = Vector512.FusedMultiplyAdd(Vector512.Create(a[11]), bv, cb);
            cc = Vector512.FusedMultiplyAdd(Vector512.Create(a[12]), bv, cc); cd = Vector512.FusedMultiplyAdd(Vector512.Create(a[13]), bv, cd);
            ce = Vector512.FusedMultiplyAdd(Vector512.Create(a[14]), bv, ce); cf = Vector512.FusedMultiplyAdd(Vector512.Create(a[15]), bv, cf);
        }
        Store(d, c0, overwrite); Store(d + ldd, c1, overwrite); Store(d + 2 * ldd, c2, overwrite); Store(d + 3 * ldd, c3, overwrite);
        Store(d + 4 * ldd, c4, overwrite); Store(d + 5 * ldd, c5, overwrite); Store(d + 6 * ldd, c6, overwrite); Store(d + 7 * ldd, c7, overwrite);
        Store(d + 8 * ldd, c8, overwrite); Store(d + 9 * ldd, c9, overwrite); Store(d + 10 * ldd, ca, overwrite); Store(d + 11 * ldd, cb, overwrite);
        Store(d + 12 * ldd, cc, overwrite); Store(d + 13 * ldd, cd, overwrite); Store(d + 14 * ldd, ce, overwrite); Store(d + 15 * ldd, cf, overwrite);
    }

    static void Store(float* d, Vector512<float> x, bool overwrite) => Vector512.Store(overwrite ? x : x + Vector512.Load(d), d);

    /// <summary>Floats from one ξ's operand to the next: the operand, + 64 so that the 16 values a tile's transform
    /// stores, one per ξ, fall 256 bytes apart within 4 KiB. Operands a multiple of 4 KiB long put all 16 in one L1
    /// set (and alias in the store-to-load check): the transforms then took 3.6 ms of thread time per 32-channel
    /// 16×16 layer at batch 64, four times the GEMM's.</summary>
    static int Plane(int floats) => (floats + 15) / 16 * 16 + 64;

    /// <summary>dg = Gᵀ dU G, G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]], for 16 filters, one per vector lane:
    /// du[ξ] in, dg[tap·16 + lane] out.</summary>
    static void FiltersFromTransformed(Vector512<float>* du, float* dg)
    {
        var half = Vector512.Create(0.5f);
        var t = stackalloc Vector512<float>[12];
        for (int b = 0; b < 4; b++)
        {
            var d0 = du[b]; var d1 = du[4 + b]; var d2 = du[8 + b]; var d3 = du[12 + b];
            var sum = half * (d1 + d2);
            t[b] = d0 + sum; t[4 + b] = half * (d1 - d2); t[8 + b] = sum + d3;
        }
        for (int p = 0; p < 3; p++)
        {
            var h0 = t[p * 4]; var h1 = t[p * 4 + 1]; var h2 = t[p * 4 + 2]; var h3 = t[p * 4 + 3];
            var sum = half * (h1 + h2);
            Vector512.Store(h0 + sum, dg + (p * 3) * 16);
            Vector512.Store(half * (h1 - h2), dg + (p * 3 + 1) * 16);
            Vector512.Store(sum + h3, dg + (p * 3 + 2) * 16);
        }
    }

    /// <summary>One image [C, H, W] into the interior of its zero-bordered [(H + 2)·(W + 2), C] pixel rows (the border
    /// stays as cleared). Eight channels' planes at a time, each read front to back: row by row across all channels
    /// (32 planes 1 KiB apart for a 32-channel 16×16 image) the transposes of 64 such images took 0.46–0.53 ms on one
    /// thread, against 0.31–0.35.</summary>
    static void ToPixelsPadded(float* src, int c, int h, int w, float* dst)
    {
        for (int c0 = 0; c0 < c; c0 += 8)
            for (int y = 0; y < h; y++)
                for (int x0 = 0; x0 < w; x0 += 8)
                    Gemm.Transpose8x8(src + (long)c0 * h * w + y * w + x0, h * w, dst + ((long)(y + 1) * (w + 2) + x0 + 1) * c + c0, c);
    }

    /// <summary>One image [C, P] into [P, C] (P a multiple of 8).</summary>
    static void ToPixels(float* src, int c, int pixels, float* dst)
    {
        for (int c0 = 0; c0 < c; c0 += 8)
            for (int p0 = 0; p0 < pixels; p0 += 8)
                Gemm.Transpose8x8(src + (long)c0 * pixels + p0, pixels, dst + (long)p0 * c + c0, c);
    }

    /// <summary>The image's tiles at rows first..first+tiles of the group's operands, which hold `rows` tiles per ξ:
    /// v[ξ][C/nb][t][nb] = (Bᵀ d_t B)[ξ] from the padded pixels and u[ξ][M/mb][t][mb] = (A dY_t Aᵀ)[ξ] from the output
    /// gradient's, each block of channels a GEMM micro-kernel panel.</summary>
    static void TransformImage(float* p, float* q, int c, int m, int h, int w, float* v, long vPlane, int nb, float* u, long uPlane, int mb, int first, int rows)
    {
        int wp = w + 2, tw = w / 2;
        var e = stackalloc Vector512<float>[16];
        for (int ty = 0; ty < h / 2; ty++)
            for (int tx = 0; tx < tw; tx++)
            {
                int t = first + ty * tw + tx;
                float* window = p + ((long)2 * ty * wp + 2 * tx) * c;
                for (int c0 = 0; c0 < c; c0 += 16)
                {
                    // Bᵀ d: rows (d0 − d2, d1 + d2, d2 − d1, d1 − d3), then the same over columns
                    for (int j = 0; j < 4; j++)
                    {
                        float* col = window + (long)j * c + c0;
                        var d0 = Vector512.Load(col); var d1 = Vector512.Load(col + (long)wp * c);
                        var d2 = Vector512.Load(col + 2L * wp * c); var d3 = Vector512.Load(col + 3L * wp * c);
                        e[j] = d0 - d2; e[4 + j] = d1 + d2; e[8 + j] = d2 - d1; e[12 + j] = d1 - d3;
                    }
                    float* dst = v + (long)(c0 / nb) * rows * nb + (long)t * nb + c0 % nb;
                    for (int k = 0; k < 4; k++)
                    {
                        var e0 = e[k * 4]; var e1 = e[k * 4 + 1]; var e2 = e[k * 4 + 2]; var e3 = e[k * 4 + 3];
                        Vector512.Store(e0 - e2, dst + (k * 4) * vPlane);
                        Vector512.Store(e1 + e2, dst + (k * 4 + 1) * vPlane);
                        Vector512.Store(e2 - e1, dst + (k * 4 + 2) * vPlane);
                        Vector512.Store(e1 - e3, dst + (k * 4 + 3) * vPlane);
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
                    float* dst = u + (long)(m0 / mb) * rows * mb + (long)t * mb + m0 % mb;
                    Columns(dst, uPlane, 0, r00, r01);
                    Columns(dst, uPlane, 4, r10, r11);
                    Columns(dst, uPlane, 8, r20, r21);
                    Columns(dst, uPlane, 12, r30, r31);
                }
            }
    }

    /// <summary><see cref="TransformImage"/> for F(4×4, 3×3): v[ξ] = (Bᵀ d_t B)[ξ] over 6×6 windows four pixels apart
    /// and u[ξ] = (A dY_t Aᵀ)[ξ] over 4×4 output-gradient tiles, ξ = 6·row + column, with Winograd.InputStep's Bᵀ and
    /// A = [[1, 0, 0, 0], [1, 1, 1, 1], [1, −1, 1, −1], [1, 2, 4, 8], [1, −2, 4, −8], [0, 0, 0, 1]].
    /// Everything stays in registers: the input window's column steps run in two halves (results 0–2, then the window
    /// read again for 3–5), so that no intermediate goes through the stack. When the 36 column results went through a
    /// stack array (and each row's six results through another before being stored), the time depended on where the
    /// scratch buffers fell relative to the thread's stack: the 16-channel 32×32 layer at batch 64 and 2 threads took
    /// 1.15–1.19 ms with the buffers at 0 or 32 bytes past a 64-byte boundary and 0.88–0.91 at 8, 16, 24 or 48 (a
    /// stack-array variant, medians of 30 rounds, interleaved, two processes), presumably loads of the stack meeting
    /// the ξ-plane stores in the 4 KiB store-to-load check; buffers from the pool fall wherever the heap puts them.
    /// Alone over rotating operands at those six offsets, interleaved, the same bits: 16 channels 32×32 0.69–0.84 ms
    /// against 0.89–1.07 at 2 threads, 1.27–1.35 against 1.60–1.72 at one; 32 channels 16×16 0.67–0.70 against
    /// 0.77–0.81; 64 channels 8×8 0.76–0.79 against 0.82–0.84; as the pool places them, 16 channels 0.86–0.87 ms
    /// against 0.98–1.02 in three processes each. In ResNet-20's training step (batch 64, 2 threads) its weight
    /// gradients took 9.5 ms against 11.4.</summary>
    static void TransformImageLarge(float* p, float* q, int c, int m, int h, int w, float* v, long vPlane, int nb, float* u, long uPlane, int mb, int first, int rows)
    {
        int wp = w + 2, tw = w / 4;
        long row = (long)wp * c, gradientRow = (long)w * m;
        for (int ty = 0; ty < h / 4; ty++)
            for (int tx = 0; tx < tw; tx++)
            {
                int t = first + ty * tw + tx;
                float* window = p + ((long)4 * ty * wp + 4 * tx) * c;
                for (int c0 = 0; c0 < c; c0 += 16)
                {
                    // Bᵀ d down each of the six columns, then across each of the six rows (nb is 16 or 32), in two halves
                    float* dst = v + (long)(c0 & -nb) * rows + (long)t * nb + (c0 & (nb - 1));
                    for (int half = 0; half < 2; half++, dst += 18 * vPlane)
                    {
                        float* col = window + c0;
                        ColumnHalf(col, row, half, out var a0, out var b0, out var e0); col += c;
                        ColumnHalf(col, row, half, out var a1, out var b1, out var e1); col += c;
                        ColumnHalf(col, row, half, out var a2, out var b2, out var e2); col += c;
                        ColumnHalf(col, row, half, out var a3, out var b3, out var e3); col += c;
                        ColumnHalf(col, row, half, out var a4, out var b4, out var e4); col += c;
                        ColumnHalf(col, row, half, out var a5, out var b5, out var e5);
                        RowStore(a0, a1, a2, a3, a4, a5, dst, vPlane);
                        RowStore(b0, b1, b2, b3, b4, b5, dst + 6 * vPlane, vPlane);
                        RowStore(e0, e1, e2, e3, e4, e5, dst + 12 * vPlane, vPlane);
                    }
                }
                float* y = q + ((long)4 * ty * w + 4 * tx) * m;
                for (int m0 = 0; m0 < m; m0 += 8)
                {
                    // A dY down each of the four columns (all six results of each held), then across each of the six rows (mb is 8 or 16)
                    float* col = y + m0;
                    GradientColumn(col, gradientRow, out var z00, out var z10, out var z20, out var z30, out var z40, out var z50); col += m;
                    GradientColumn(col, gradientRow, out var z01, out var z11, out var z21, out var z31, out var z41, out var z51); col += m;
                    GradientColumn(col, gradientRow, out var z02, out var z12, out var z22, out var z32, out var z42, out var z52); col += m;
                    GradientColumn(col, gradientRow, out var z03, out var z13, out var z23, out var z33, out var z43, out var z53);
                    float* dst = u + (long)(m0 & -mb) * rows + (long)t * mb + (m0 & (mb - 1));
                    GradientRowStore(z00, z01, z02, z03, dst, uPlane);
                    GradientRowStore(z10, z11, z12, z13, dst + 6 * uPlane, uPlane);
                    GradientRowStore(z20, z21, z22, z23, dst + 12 * uPlane, uPlane);
                    GradientRowStore(z30, z31, z32, z33, dst + 18 * uPlane, uPlane);
                    GradientRowStore(z40, z41, z42, z43, dst + 24 * uPlane, uPlane);
                    GradientRowStore(z50, z51, z52, z53, dst + 30 * uPlane, uPlane);
                }
            }
    }

    /// <summary>Results 0–2 (half 0) or 3–5 (half 1) of Bᵀ down the window column at col (rows <paramref name="row"/> floats apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void ColumnHalf(float* col, long row, int half, out Vector512<float> o0, out Vector512<float> o1, out Vector512<float> o2)
    {
        var d1 = Vector512.Load(col + row); var d2 = Vector512.Load(col + 2 * row);
        var d3 = Vector512.Load(col + 3 * row); var d4 = Vector512.Load(col + 4 * row);
        if (half == 0) InputStepLow(Vector512.Load(col), d1, d2, d3, d4, out o0, out o1, out o2);
        else InputStepHigh(d1, d2, d3, d4, Vector512.Load(col + 5 * row), out o0, out o1, out o2);
    }

    /// <summary>Bᵀ across one row of six column results, its six values stored <paramref name="plane"/> floats apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void RowStore(Vector512<float> d0, Vector512<float> d1, Vector512<float> d2, Vector512<float> d3, Vector512<float> d4, Vector512<float> d5, float* dst, long plane)
    {
        InputStepLow(d0, d1, d2, d3, d4, out var s0, out var s1, out var s2);
        InputStepHigh(d1, d2, d3, d4, d5, out var s3, out var s4, out var s5);
        s0.Store(dst); s1.Store(dst + plane); s2.Store(dst + 2 * plane);
        s3.Store(dst + 3 * plane); s4.Store(dst + 4 * plane); s5.Store(dst + 5 * plane);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void GradientColumn(float* col, long row, out Vector256<float> o0, out Vector256<float> o1, out Vector256<float> o2, out Vector256<float> o3, out Vector256<float> o4, out Vector256<float> o5)
        => GradientStep(Avx.LoadVector256(col), Avx.LoadVector256(col + row), Avx.LoadVector256(col + 2 * row), Avx.LoadVector256(col + 3 * row), out o0, out o1, out o2, out o3, out o4, out o5);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void GradientRowStore(Vector256<float> z0, Vector256<float> z1, Vector256<float> z2, Vector256<float> z3, float* dst, long plane)
    {
        GradientStep(z0, z1, z2, z3, out var s0, out var s1, out var s2, out var s3, out var s4, out var s5);
        s0.Store(dst); s1.Store(dst + plane); s2.Store(dst + 2 * plane);
        s3.Store(dst + 3 * plane); s4.Store(dst + 4 * plane); s5.Store(dst + 5 * plane);
    }

    /// <summary>Rows 0–2 of Bᵀ (d0 … d5), which do not use d5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void InputStepLow(Vector512<float> d0, Vector512<float> d1, Vector512<float> d2, Vector512<float> d3, Vector512<float> d4,
        out Vector512<float> o0, out Vector512<float> o1, out Vector512<float> o2)
    {
        var four = Vector512.Create(4f); var five = Vector512.Create(-5f);
        o0 = Vector512.FusedMultiplyAdd(four, d0, Vector512.FusedMultiplyAdd(five, d2, d4));
        o1 = Vector512.FusedMultiplyAdd(-four, d1 + d2, d3 + d4);
        o2 = Vector512.FusedMultiplyAdd(four, d1 - d2, d4 - d3);
    }

    /// <summary>Rows 3–5 of Bᵀ (d0 … d5), which do not use d0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void InputStepHigh(Vector512<float> d1, Vector512<float> d2, Vector512<float> d3, Vector512<float> d4, Vector512<float> d5,
        out Vector512<float> o3, out Vector512<float> o4, out Vector512<float> o5)
    {
        var four = Vector512.Create(4f); var five = Vector512.Create(-5f); var two = Vector512.Create(2f);
        var e = d3 - d1; var h = d4 - d2;
        o3 = Vector512.FusedMultiplyAdd(two, e, h);
        o4 = Vector512.FusedMultiplyAdd(-two, e, h);
        o5 = Vector512.FusedMultiplyAdd(four, d1, Vector512.FusedMultiplyAdd(five, d3, d5));
    }


    /// <summary>A (z0 … z3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void GradientStep(Vector256<float> z0, Vector256<float> z1, Vector256<float> z2, Vector256<float> z3,
        out Vector256<float> o0, out Vector256<float> o1, out Vector256<float> o2, out Vector256<float> o3, out Vector256<float> o4, out Vector256<float> o5)
    {
        var even = z0 + z2; var odd = z1 + z3;
        var low = Vector256.FusedMultiplyAdd(Vector256.Create(4f), z2, z0);
        var high = Vector256.FusedMultiplyAdd(Vector256.Create(8f), z3, Vector256.Create(2f) * z1);
        o0 = z0; o1 = even + odd; o2 = even - odd; o3 = low + high; o4 = low - high; o5 = z3;
    }

    /// <summary>dg = Gᵀ dU G for F(4×4, 3×3), G = [[¼, 0, 0], [−⅙, −⅙, −⅙], [−⅙, ⅙, −⅙], [1⁄24, 1⁄12, ⅙],
    /// [1⁄24, −1⁄12, ⅙], [0, 0, 1]], for 16 filters, one per vector lane: du[ξ] in (36), dg[tap·16 + lane] out.</summary>
    [SkipLocalsInit]
    static void FiltersFromTransformedLarge(Vector512<float>* du, float* dg)
    {
        var t = stackalloc Vector512<float>[18];
        var r = stackalloc Vector512<float>[3];
        for (int l = 0; l < 6; l++)
            FilterStep(du[l], du[6 + l], du[12 + l], du[18 + l], du[24 + l], du[30 + l], t + l, 6);
        for (int p = 0; p < 3; p++)
        {
            FilterStep(t[6 * p], t[6 * p + 1], t[6 * p + 2], t[6 * p + 3], t[6 * p + 4], t[6 * p + 5], r, 1);
            for (int q = 0; q < 3; q++) Vector512.Store(r[q], dg + (p * 3 + q) * 16);
        }
    }

    /// <summary>Gᵀ (u0 … u5) into o[0], o[step], o[2·step].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void FilterStep(Vector512<float> u0, Vector512<float> u1, Vector512<float> u2, Vector512<float> u3, Vector512<float> u4, Vector512<float> u5, Vector512<float>* o, int step)
    {
        var sixth = Vector512.Create(1f / 6);
        var sum12 = u1 + u2; var sum34 = u3 + u4;
        o[0] = Vector512.Create(0.25f) * u0 - sixth * sum12 + Vector512.Create(1f / 24) * sum34;
        o[step] = Vector512.Create(1f / 12) * (u3 - u4) - sixth * (u1 - u2);
        o[2 * step] = sixth * (sum34 - sum12) + u5;
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
