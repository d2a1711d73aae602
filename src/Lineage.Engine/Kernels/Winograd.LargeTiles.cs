using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lineage.Engine.Kernels;

/// <summary>
/// Winograd F(4×4, 3×3) (Lavin and Gray 2016, interpolation points 0, ±1, ±2, ∞): each 4×4 block of outputs is
/// Aᵀ [Σ_c (G g_c Gᵀ) ⊙ (Bᵀ d_c B)] A over its 6×6 input window d_c, 36 multiplications per tile and channel pair
/// where F(2×2, 3×3) needs 64 for the same 16 outputs and the direct convolution 144; the transformed inputs and the
/// products are 36 values per 16 outputs instead of 16 per 4, so the transforms move less data too. The GEMMs are
/// F(2×2, 3×3)'s (<see cref="Winograd"/>), 36 of them, and each weight panel's products are turned into outputs while
/// in cache. The input windows are cut straight from the image rows with AVX-512 two-source permutes (no phase
/// planes), eight tiles per vector: one tile row of eight (outputs 29–32 wide, from rows of up to 32 in two registers),
/// two tile rows of four (outputs 13–16 wide) or the 2×2 tiles of two images (outputs up to 8×8); the last two are
/// ResNet-20's 32- and 64-channel stages; 32→32 on 32×32 at batch 64 takes 2.0 ms against the implicit GEMM's 3.4.
/// Which layers take Winograd at all is <see cref="Applies"/>'s rule, the same for both tile sizes. ResNet-20's 16→16
/// layers on 32×32 (8 products per transformed value, below the bar) were measured on F(4×4, 3×3) against the implicit
/// GEMM, interleaved in one process, in two spells of the same evening: at 23:10 faster (inference at batch 256 22.6
/// against 29.0 ms for the six, training step 52.8 against 54.7), at 23:58–00:00 much slower (36.4–40.0 against
/// 25.7–31.0; step 66.6 against 61.6). Measured again on 2026-12-05 (03:08–03:46), it was faster in six processes of
/// ten and slower in three, the order holding within each process; alone over batches read from memory it took
/// 1.38–1.61 ms against the implicit GEMM's 1.08 (docs/benchmarks.md). The implicit GEMM holds steady and F(4×4, 3×3)
/// does not, so they stay with it.
/// The transforms multiply by up to 5 and 8, so rounding differs more from the direct convolution than F(2×2, 3×3)'s
/// does; the tests hold both to the same bound (1e-5 of the sum of the products' magnitudes).
/// Measured at 2 threads, variants interleaved in one process: 32→32 channels on 16×16 2.6–2.8 ms against
/// F(2×2, 3×3)'s 3.7–3.8 at batch 256, 0.64–0.65 against 0.84–0.87 at 64; 64→64 on 8×8 2.2 against 3.0 and
/// 0.67–0.70 against 0.80–0.82; ResNet-20's inference at batch 256 66.9 against 79.0 ms in loops (its two stages
/// 27.9 against 37.7), its training step at batch 64 74.0 against 80.8 ms (medians of 16 rounds; the two stages'
/// forward and input-gradient convolutions 13.8 against 20.7).
/// </summary>
internal static unsafe partial class Winograd
{
    /// <summary>Tests switch this off to run F(2×2, 3×3) where F(4×4, 3×3) would apply.</summary>
    internal static bool LargeTiles = true;

    /// <summary>Output rows 29–32 wide (eight tiles) from input rows of at most 32, 13–16 wide (four tiles, two tile
    /// rows per vector) from rows of at most 16, or outputs of at most 8×8 (2×2 tiles, two images per vector) from rows
    /// of at most 8, this last not for the pooled forward; on AVX-512 (the window columns are cut from image rows with
    /// its two-source permutes).</summary>
    static bool LargeTilesApply(in ConvGeometry g, bool pool)
    {
        if (!LargeTiles || !Avx512F.IsSupported) return false;
        int th = (g.OH + 3) / 4, tw = (g.OW + 3) / 4;   // 4×4 tiles
        return tw == 8 && g.W <= 32 || tw == 4 && g.W <= 16 || !pool && tw == 2 && th == 2 && g.W <= 8;
    }

    /// <summary>U = G g Gᵀ for every filter as 36 matrices [Cout, Cin] (ξ = 6·row + column) in MR-row panels, as
    /// <see cref="TransformWeights"/> does for F(2×2, 3×3), rotated filters too.
    /// G = [[¼, 0, 0], [−⅙, −⅙, −⅙], [−⅙, ⅙, −⅙], [1⁄24, 1⁄12, ⅙], [1⁄24, −1⁄12, ⅙], [0, 0, 1]].
    /// The eight filters of a panel row are transformed together, one per lane (gathered tap by tap), so that each
    /// ξ's eight values are one store: 64×64 filters in 0.04–0.05 ms on one thread, where value by value in double
    /// they took 0.25 ms, five times F(2×2, 3×3)'s transform (a training step transforms every layer's filters twice).</summary>
    static float[] TransformWeightsLarge(float[] w, int cout, int cin, bool rotated)
    {
        int rows = (cout + MR - 1) / MR * MR, block = WeightPlane(rows, cin);
        var u = BufferPool.Rent(36 * block);
        // lane r is filter co0 + r: its taps 9·cin floats (forward) or 9 floats (rotated: w[ci, co] turned by 180°) apart
        var lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        var apart = lanes * (rotated ? 9 : 9 * cin);
        // panels in parallel: on one thread this was 2.6 % of a ResNet-20 training step's main thread (its 20 Winograd
        // convolutions transform their filters before any tile is computed), the other thread waiting meanwhile; split,
        // the step took 0.8 ms less (median of four interleaved runs of 16 rounds, −1.6 to +0.1 ms)
        Par.For(rows / MR, 8L * 36 * 4 * cin, (t0, t1) =>
        {
            var g = stackalloc Vector256<float>[9];
            var h = stackalloc Vector256<float>[18];
            fixed (float* w0 = w, u0 = u)
                for (int co0 = t0 * MR; co0 < t1 * MR; co0 += MR)
                {
                    var live = Vector256.LessThan(lanes, Vector256.Create(cout - co0)).AsSingle();
                    for (int ci = 0; ci < cin; ci++)
                    {
                        float* f = rotated ? w0 + (ci * cout + co0) * 9 : w0 + (co0 * cin + ci) * 9;
                        for (int tap = 0; tap < 9; tap++)
                            g[tap] = Avx2.GatherMaskVector256(Vector256<float>.Zero, f + (rotated ? 8 - tap : tap), apart, live, 4);
                        // G g: 6 rows of 3, one column j at a time, into h[3k + j]; then (G g) Gᵀ: each row of 3 becomes 6
                        for (int j = 0; j < 3; j++) WeightStepInto(g[j], g[3 + j], g[6 + j], h + j, 3);
                        float* at = u0 + co0 * cin + ci * MR;
                        for (int k = 0; k < 6; k++)
                        {
                            WeightStep(h[3 * k], h[3 * k + 1], h[3 * k + 2], out var r0, out var r1, out var r2, out var r3, out var r4, out var r5);
                            float* d = at + 6L * k * block;
                            r0.Store(d); r1.Store(d + block); r2.Store(d + 2 * block); r3.Store(d + 3 * block); r4.Store(d + 4 * block); r5.Store(d + 5 * block);
                        }
                    }
                }
        });
        return u;

        static void WeightStepInto(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float>* d, int step)
        {
            WeightStep(a, b, c, out d[0], out d[step], out d[2 * step], out d[3 * step], out d[4 * step], out d[5 * step]);
        }
    }

    /// <summary>G (a, b, c)ᵀ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void WeightStep(Vector256<float> a, Vector256<float> b, Vector256<float> c,
        out Vector256<float> d0, out Vector256<float> d1, out Vector256<float> d2, out Vector256<float> d3, out Vector256<float> d4, out Vector256<float> d5)
    {
        var sixth = Vector256.Create(1f / 6); var outer = a + c;
        var even = Vector256.FusedMultiplyAdd(Vector256.Create(1f / 24), a, sixth * c); var odd = Vector256.Create(1f / 12) * b;
        d0 = Vector256.Create(0.25f) * a;
        d1 = -sixth * (outer + b);
        d2 = -sixth * (outer - b);
        d3 = even + odd;
        d4 = even - odd;
        d5 = c;
    }

    /// <summary>The tile grid of F(4×4, 3×3) (<see cref="Plan"/>, whose phase-plane fields it does not use): chunks of
    /// 32 tile columns (bands of four tile rows with eight tiles a row; two images of 16 tiles, or a band of 8 tile
    /// rows, with four), of 16 (four images) with two. Measured at 2 threads, variants interleaved in one process:
    /// 32→32 channels on 16×16 at batch 64 0.61 ms against 0.81 with 64 columns and 0.95 with 16, at batch 256 3.0
    /// against 3.3 with 64 or 128 and 4.2 with 16; 64→64 on 8×8 at batch 64 0.72 ms against 0.80 with 32 columns and 0.87 with 64, at batch 256 2.45–2.89
    /// against 2.65–2.90 and 3.18–3.22. Chunks this short keep the 36 transformed inputs (36·Cin·columns floats) in
    /// L2 and give each thread many chunks to take in turn.</summary>
    static Plan LargePlan(in ConvGeometry g, int n)
    {
        int th = (g.OH + 3) / 4, tw = (g.OW + 3) / 4, pitch = tw, budget = tw == 2 ? 16 : 32;
        int bandRows = Math.Clamp(budget / pitch, 1, th), bands = (th + bandRows - 1) / bandRows;
        int images = bandRows == th ? Math.Clamp(budget / (th * pitch), 1, n) : 1;
        int chunks = bandRows == th ? (n + images - 1) / images : n * bands;
        int columns = images * bandRows * pitch;
        return new Plan(th, tw, tw + 1, pitch, bandRows, images, chunks, bands, columns, Plan.RowFloats(columns, g.C));
    }

    static void RunLargeTiles(float[] x, int n, in ConvGeometry g, float[] u, int m, float[]? bias, float[] o, bool relu, float[]? residual, float[]? padded, bool pool = false)
    {
        int paddedImage = ImplicitConv.PaddedImage(g);
        if (padded != null) ImplicitConv.ClearSlack(padded, n, g);
        var plan = LargePlan(g, n);
        int c = g.C, rows = (m + MR - 1) / MR * MR, stride = plan.Stride;
        bool avx512 = ImplicitConv.Avx512Tiles;
        var off = new int[c];
        for (int p = 0; p < c; p++) off[p] = p * stride;
        var geo = g;
        bool imagePairs = plan.TW == 2;
        bool wide = plan.TW == 8;
        var columns = new WindowColumns(g.W, g.PW, plan.TW);
        Par.For(plan.Chunks, 2L * 36 * rows * c * plan.Columns, (s, e) =>
        {
            var v = BufferPool.Rent(36 * c * stride);
            var products = BufferPool.Rent(36 * MR * stride);
            try
            {
                fixed (float* x0 = x, u0 = u, v0 = v, p0 = products, o0 = o, b0 = bias, res0 = residual, pad0 = padded, valid0 = columns.Valid)
                fixed (int* off0 = off, index0 = columns.Index)
                {
                    for (int ch = s; ch < e; ch++)
                    {
                        var (img0, images, ty0, bandRows) = Segments(plan, n, ch);
                        int segment = bandRows * plan.Pitch, used = images * segment;
                        if (pad0 != null && ty0 == 0)
                            for (int i = 0; i < images; i++)
                                ImplicitConv.PadImage(x0 + (long)(img0 + i) * c * geo.H * geo.W, pad0 + (long)(img0 + i) * paddedImage, geo);
                        for (int i = 0; i < images; i += imagePairs ? 2 : 1)
                            for (int ci = 0; ci < c; ci++)
                            {
                                float* src = x0 + (long)((img0 + i) * c + ci) * geo.H * geo.W, dst = v0 + (long)ci * stride + i * segment;
                                if (imagePairs)
                                    InputTransformImagePairs(src, i + 1 < images ? src + (long)c * geo.H * geo.W : null, geo, index0, valid0, dst, (long)c * stride);
                                else
                                {
                                    ImplicitConv.Prefetch(src + geo.H * geo.W, geo.H * geo.W);
                                    InputTransformLarge(src, geo, ty0, bandRows, wide, index0, valid0, dst, (long)c * stride);
                                }
                            }
                        ClearPastColumns(v0, 36 * c, stride, used);
                        for (int r0 = 0; r0 < rows; r0 += MR)
                        {
                            PanelProducts(36, u0, v0, p0, off0, c, rows, r0, stride, used, avx512);
                            for (int co = r0; co < Math.Min(m, r0 + MR); co++)
                                for (int i = 0; i < images; i += imagePairs ? 2 : 1)
                                {
                                    float* src = p0 + (long)(co - r0) * stride + i * segment;
                                    var bv = Vector256.Create(b0 != null ? b0[co] : 0f);
                                    if (pool)
                                    {
                                        OutputTransformLargePooled(src, (long)MR * stride, geo, ty0, bandRows, wide, bv, relu, o0 + (long)((img0 + i) * m + co) * (geo.OH / 2) * (geo.OW / 2));
                                        continue;
                                    }
                                    float* dst = o0 + (long)((img0 + i) * m + co) * geo.OH * geo.OW;
                                    if (!imagePairs)
                                        OutputTransformLarge(src, (long)MR * stride, geo, ty0, bandRows, wide, bv, relu, dst, res0 == null ? null : res0 + (dst - o0));
                                    else
                                    {
                                        float* next = i + 1 < images ? dst + (long)m * geo.OH * geo.OW : null;
                                        OutputTransformImagePairs(src, (long)MR * stride, geo, bv, relu, dst, next,
                                            res0 == null ? null : res0 + (dst - o0), res0 == null || next == null ? null : res0 + (next - o0));
                                    }
                                }
                        }
                    }
                }
            }
            finally
            {
                BufferPool.Return(v);
                BufferPool.Return(products);
            }
        });
    }

    /// <summary>Bᵀ (d0 … d5) with Bᵀ = [[4, 0, −5, 0, 1, 0], [0, −4, −4, 1, 1, 0], [0, 4, −4, −1, 1, 0],
    /// [0, −2, −1, 2, 1, 0], [0, 2, −1, −2, 1, 0], [0, 4, 0, −5, 0, 1]]: down a window's columns, then across its rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void InputStep(Vector256<float> d0, Vector256<float> d1, Vector256<float> d2, Vector256<float> d3, Vector256<float> d4, Vector256<float> d5,
        out Vector256<float> t0, out Vector256<float> t1, out Vector256<float> t2, out Vector256<float> t3, out Vector256<float> t4, out Vector256<float> t5)
    {
        var four = Vector256.Create(4f); var five = Vector256.Create(-5f); var two = Vector256.Create(2f);
        t0 = Vector256.FusedMultiplyAdd(four, d0, Vector256.FusedMultiplyAdd(five, d2, d4));
        t1 = Vector256.FusedMultiplyAdd(-four, d1 + d2, d3 + d4);
        t2 = Vector256.FusedMultiplyAdd(four, d1 - d2, d4 - d3);
        var e = d3 - d1; var h = d4 - d2;
        t3 = Vector256.FusedMultiplyAdd(two, e, h);
        t4 = Vector256.FusedMultiplyAdd(-two, e, h);
        t5 = Vector256.FusedMultiplyAdd(four, d1, Vector256.FusedMultiplyAdd(five, d3, d5));
    }

    /// <summary>Permutes that cut a window column out of two registers of image rows, and the lanes they keep (the
    /// others fall in the padding and are zeroed). With two tile rows per vector (four tiles a row), register 0 is
    /// an image row of the upper tile row and register 1 the row four below it: for window column j, lane tx (0–3)
    /// takes column 4·tx + j − PW of register 0 and lane 4 + tx the same of register 1. With two images per vector
    /// (2×2 tiles each), register h holds image h's rows y (lanes 0–7) and y + 4 (lanes 8–15): lane 4h + 2·ty + tx
    /// takes column 4·tx + j − PW of row 4·ty + y. With one tile row of eight tiles per vector, the two registers are
    /// the first and second 16 columns of one image row, and lane tx takes its column 4·tx + j − PW.</summary>
    sealed class WindowColumns
    {
        public readonly int[] Index = new int[6 * 16];
        public readonly float[] Valid = new float[6 * 16];

        public WindowColumns(int w, int pw, int tilesPerRow)
        {
            for (int j = 0; j < 6; j++)
                for (int lane = 0; lane < 8; lane++)
                {
                    int tx = lane & (tilesPerRow - 1), col = 4 * tx + j - pw;
                    int source = tilesPerRow switch { 2 => 16 * (lane >> 2) + 8 * ((lane >> 1) & 1), 4 => 16 * (lane >> 2), _ => 0 };
                    bool inRow = (uint)col < (uint)w;
                    Index[16 * j + lane] = inRow ? source + col : 0;
                    Valid[16 * j + lane] = inRow ? BitConverter.Int32BitsToSingle(-1) : 0f;
                }
        }
    }

    /// <summary>Columns first..first + 15 of image row y in one register, those past the row's end zero (and all of them
    /// above or below the image); <paramref name="mask"/> has lanes 0..W − first − 1 set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> ImageRow(float* plane, int y, int first, in ConvGeometry g, Vector512<float> mask)
    {
        if ((uint)y >= (uint)g.H) return Vector512<float>.Zero;
        float* p = plane + y * g.W + first;
        return g.W - first >= 16 ? Vector512.Load(p) : Avx512F.MaskLoad(p, mask, Vector512<float>.Zero);
    }

    /// <summary>v[ξ, f] = (Bᵀ d B)[ξ] for the tiles f of tile rows ty0..ty0 + rows of one channel's plane, four tiles
    /// per row, eight (two tile rows) per vector: the window's row i of tile row t is image row 4t + i − PH, and its
    /// six columns are cut from that row and the one four below by <see cref="WindowColumns"/>'s permutes, straight
    /// from the image (rows of at most 16 floats). ξ-planes are <paramref name="xiStride"/> apart; with an odd number
    /// of tile rows the last vector's upper half is computed from the rows below (or zeros) and not used.</summary>
    [SkipLocalsInit]
    static void InputTransformLarge(float* plane, in ConvGeometry g, int ty0, int rows, bool wide, int* index, float* valid, float* v, long xiStride)
    {
        var t = stackalloc Vector256<float>[36];
        var a = stackalloc Vector512<float>[12];
        var lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var rowMask = Vector512.LessThan(lanes, Vector512.Create(g.W)).AsSingle();
        if (wide)
        {
            // one tile row of eight tiles per vector, from rows of up to 32 floats in two registers
            var highMask = Vector512.LessThan(lanes, Vector512.Create(g.W - 16)).AsSingle();
            for (int r = 0; r < rows; r++)
            {
                int y0 = 4 * (ty0 + r) - g.PH;
                for (int i = 0; i < 6; i++)
                {
                    a[2 * i] = ImageRow(plane, y0 + i, 0, g, rowMask);
                    a[2 * i + 1] = ImageRow(plane, y0 + i, 16, g, highMask);
                }
                WindowTransform(a, index, valid, t, v + r * 8, xiStride);
            }
            return;
        }
        for (int r = 0; r < rows; r += 2)
        {
            int y0 = 4 * (ty0 + r) - g.PH;
            for (int i = 0; i < 6; i++)
            {
                a[2 * i] = ImageRow(plane, y0 + i, 0, g, rowMask);
                a[2 * i + 1] = ImageRow(plane, y0 + 4 + i, 0, g, rowMask);
            }
            WindowTransform(a, index, valid, t, v + r * 4, xiStride);
        }
    }

    /// <summary><see cref="InputTransformLarge"/> for outputs of at most 8×8 (2×2 tiles): the eight tiles of a vector
    /// are those of one channel of two images (<paramref name="next"/> null past the last image: zeros), written at
    /// v[0..8].</summary>
    [SkipLocalsInit]
    static void InputTransformImagePairs(float* plane, float* next, in ConvGeometry g, int* index, float* valid, float* v, long xiStride)
    {
        var t = stackalloc Vector256<float>[36];
        var a = stackalloc Vector512<float>[12];
        var rowMask = Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(g.W)).AsSingle();
        for (int i = 0; i < 6; i++)
        {
            int y = i - g.PH;
            a[2 * i] = Vector512.Create(ShortRow(plane, y, g, rowMask), ShortRow(plane, y + 4, g, rowMask));
            a[2 * i + 1] = next == null ? Vector512<float>.Zero : Vector512.Create(ShortRow(next, y, g, rowMask), ShortRow(next, y + 4, g, rowMask));
        }
        WindowTransform(a, index, valid, t, v, xiStride);
    }

    /// <summary>An image row of at most 8 floats (zero above or below the image).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> ShortRow(float* plane, int y, in ConvGeometry g, Vector256<float> rowMask)
    {
        if ((uint)y >= (uint)g.H) return Vector256<float>.Zero;
        return g.W == 8 ? Vector256.Load(plane + y * 8) : Avx.MaskLoad(plane + y * g.W, rowMask);
    }

    /// <summary>Bᵀ d B for eight tiles whose window rows i are cut from a[2i] and a[2i + 1] by
    /// <see cref="WindowColumns"/>: down the columns into t, then across the rows into the 36 ξ-planes at d.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void WindowTransform(Vector512<float>* a, int* index, float* valid, Vector256<float>* t, float* d, long xiStride)
    {
        for (int j = 0; j < 6; j++)
        {
            var idx = Vector512.Load(index + 16 * j);
            var ok = Vector512.Load(valid + 16 * j);
            InputStep(Column(a, 0, idx, ok), Column(a, 1, idx, ok), Column(a, 2, idx, ok), Column(a, 3, idx, ok), Column(a, 4, idx, ok), Column(a, 5, idx, ok),
                out t[j], out t[6 + j], out t[12 + j], out t[18 + j], out t[24 + j], out t[30 + j]);
        }
        for (int k = 0; k < 6; k++)
        {
            InputStep(t[6 * k], t[6 * k + 1], t[6 * k + 2], t[6 * k + 3], t[6 * k + 4], t[6 * k + 5],
                out var s0, out var s1, out var s2, out var s3, out var s4, out var s5);
            float* row = d + 6 * k * xiStride;
            s0.Store(row); s1.Store(row + xiStride); s2.Store(row + 2 * xiStride);
            s3.Store(row + 3 * xiStride); s4.Store(row + 4 * xiStride); s5.Store(row + 5 * xiStride);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Column(Vector512<float>* a, int i, Vector512<int> idx, Vector512<float> ok)
        => (Avx512F.PermuteVar16x32x2(a[2 * i], idx, a[2 * i + 1]) & ok).GetLower();

    /// <summary>Aᵀ (m0 … m5) with Aᵀ = [[1, 1, 1, 1, 1, 0], [0, 1, −1, 2, −2, 0], [0, 1, 1, 4, 4, 0], [0, 1, −1, 8, −8, 1]].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void OutputStep(Vector256<float> m0, Vector256<float> m1, Vector256<float> m2, Vector256<float> m3, Vector256<float> m4, Vector256<float> m5,
        out Vector256<float> y0, out Vector256<float> y1, out Vector256<float> y2, out Vector256<float> y3)
    {
        var sum12 = m1 + m2; var dif12 = m1 - m2; var sum34 = m3 + m4; var dif34 = m3 - m4;
        y0 = m0 + sum12 + sum34;
        y1 = Vector256.FusedMultiplyAdd(Vector256.Create(2f), dif34, dif12);
        y2 = Vector256.FusedMultiplyAdd(Vector256.Create(4f), sum34, sum12);
        y3 = Vector256.FusedMultiplyAdd(Vector256.Create(8f), dif34, dif12) + m5;
    }

    /// <summary>Aᵀ m for eight tiles' 36 products (product ξ of tile f at q[ξ·xiStride + f]): a[6i + l] is row i of
    /// column l.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void ProductRows(float* q, long xiStride, Vector256<float>* a)
    {
        for (int l = 0; l < 6; l++)
            OutputStep(Vector256.Load(q + l * xiStride), Vector256.Load(q + (6 + l) * xiStride), Vector256.Load(q + (12 + l) * xiStride),
                Vector256.Load(q + (18 + l) * xiStride), Vector256.Load(q + (24 + l) * xiStride), Vector256.Load(q + (30 + l) * xiStride),
                out a[l], out a[6 + l], out a[12 + l], out a[18 + l]);
    }

    /// <summary>Output row i of eight tiles, (Aᵀ m A)[i, 0..3] + bias, transposed within each 128-bit half: in each
    /// half, c_s holds the four columns of the half's tile s (s = 0..3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void OutputRow(Vector256<float>* a, int i, Vector256<float> bv,
        out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> c2, out Vector256<float> c3)
    {
        OutputStep(a[6 * i], a[6 * i + 1], a[6 * i + 2], a[6 * i + 3], a[6 * i + 4], a[6 * i + 5], out var y0, out var y1, out var y2, out var y3);
        var u0 = Avx.UnpackLow(y0 + bv, y1 + bv); var u1 = Avx.UnpackHigh(y0 + bv, y1 + bv);
        var u2 = Avx.UnpackLow(y2 + bv, y3 + bv); var u3 = Avx.UnpackHigh(y2 + bv, y3 + bv);
        c0 = Avx.Shuffle(u0, u2, 0x44); c1 = Avx.Shuffle(u0, u2, 0xEE);
        c2 = Avx.Shuffle(u1, u3, 0x44); c3 = Avx.Shuffle(u1, u3, 0xEE);
    }

    /// <summary>Writes the 4×4 outputs Aᵀ m A (+ bias, + residual, ReLU) of a band's tiles into one output plane, from
    /// their 36 products (product ξ of tile f at p[ξ·xiStride + f]): eight tiles at a time, lanes 0–3 tile row r and
    /// 4–7 row r + 1, each output row's four tiles' four columns interleaved by <see cref="OutputRow"/>; rows and
    /// columns past the output's edge are not written.</summary>
    [SkipLocalsInit]
    static void OutputTransformLarge(float* p, long xiStride, in ConvGeometry g, int ty0, int rows, bool wide, Vector256<float> bv, bool relu, float* o, float* residual)
    {
        var a = stackalloc Vector256<float>[24];
        int first = Math.Min(8, g.OW), second = g.OW - 8;
        if (wide)
        {
            // one tile row of eight tiles per vector: an output row's 32 columns are tiles 0–3 (low halves), then 4–7
            for (int r = 0; r < rows; r++)
            {
                ProductRows(p + r * 8, xiStride, a);
                for (int i = 0; i < 4; i++)
                {
                    int oy = 4 * (ty0 + r) + i;
                    if (oy >= g.OH) break;
                    OutputRow(a, i, bv, out var c0, out var c1, out var c2, out var c3);
                    long at = (long)oy * g.OW;
                    float* res = residual == null ? null : residual + at;
                    StoreEight(Avx.Permute2x128(c0, c1, 0x20), o + at, first, res, relu);
                    StoreEight(Avx.Permute2x128(c2, c3, 0x20), o + at + 8, second, res == null ? null : res + 8, relu);
                    StoreEight(Avx.Permute2x128(c0, c1, 0x31), o + at + 16, g.OW - 16, res == null ? null : res + 16, relu);
                    StoreEight(Avx.Permute2x128(c2, c3, 0x31), o + at + 24, g.OW - 24, res == null ? null : res + 24, relu);
                }
            }
            return;
        }
        for (int r = 0; r < rows; r += 2)
        {
            ProductRows(p + r * 4, xiStride, a);
            bool below = r + 1 < rows;
            for (int i = 0; i < 4; i++)
            {
                int oy = 4 * (ty0 + r) + i;
                if (oy >= g.OH) break;
                OutputRow(a, i, bv, out var c0, out var c1, out var c2, out var c3);
                long at = (long)oy * g.OW;
                StoreEight(Avx.Permute2x128(c0, c1, 0x20), o + at, first, residual == null ? null : residual + at, relu);
                if (second > 0) StoreEight(Avx.Permute2x128(c2, c3, 0x20), o + at + 8, second, residual == null ? null : residual + at + 8, relu);
                if (!below || oy + 4 >= g.OH) continue;
                at += 4L * g.OW;
                StoreEight(Avx.Permute2x128(c0, c1, 0x31), o + at, first, residual == null ? null : residual + at, relu);
                if (second > 0) StoreEight(Avx.Permute2x128(c2, c3, 0x31), o + at + 8, second, residual == null ? null : residual + at + 8, relu);
            }
        }
    }

    /// <summary>The 2×2 stride-2 max pooling of what <see cref="OutputTransformLarge"/> would write, without writing
    /// it: a 4×4 tile (whose corner is at even coordinates) holds four whole pooling windows, so each tile gives a 2×2
    /// block of pooled outputs, max of each window + bias (then ReLU, which commutes with the maximum). Pooled rows and
    /// columns past ⌊OH/2⌋ × ⌊OW/2⌋ (floor mode: windows cut by an odd edge, or in the tiles past it) are not written.
    /// Eight tiles per vector as there: one tile row of eight (a pooled row's 16 columns) or two tile rows of four
    /// (two pooled rows of 8 columns each). Rounding is monotone, so the result is bit for bit the pooling of the unpooled
    /// store's output (which a training forward pass computes). The reference CNN's inference at batch 256, 2 threads,
    /// interleaved in one process (two runs of 40 rounds): 7.31 and 7.63 ms against 8.37 and 8.68 with F(2×2, 3×3)'s
    /// pooled store, its 32→64 layer on 14×14 being most of it.</summary>
    [SkipLocalsInit]
    static void OutputTransformLargePooled(float* p, long xiStride, in ConvGeometry g, int ty0, int rows, bool wide, Vector256<float> bv, bool relu, float* o)
    {
        var a = stackalloc Vector256<float>[24];
        int ph = g.OH / 2, pw = g.OW / 2;
        for (int r = 0; r < rows; r += wide ? 1 : 2)
        {
            ProductRows(p + r * (wide ? 8 : 4), xiStride, a);
            for (int k = 0; k < 2; k++)
            {
                // output rows 2k and 2k + 1 of the tiles, each as four columns over the eight tiles' lanes
                OutputStep(a[12 * k], a[12 * k + 1], a[12 * k + 2], a[12 * k + 3], a[12 * k + 4], a[12 * k + 5], out var t0, out var t1, out var t2, out var t3);
                OutputStep(a[12 * k + 6], a[12 * k + 7], a[12 * k + 8], a[12 * k + 9], a[12 * k + 10], a[12 * k + 11], out var s0, out var s1, out var s2, out var s3);
                var left = Vector256.Max(Vector256.Max(t0, t1), Vector256.Max(s0, s1)) + bv;
                var right = Vector256.Max(Vector256.Max(t2, t3), Vector256.Max(s2, s3)) + bv;
                int py = 2 * (ty0 + r) + k;
                if (wide)
                {
                    // a pooled row: columns 2·tx and 2·tx + 1 of each of the eight tiles
                    if (py >= ph) break;
                    StorePairs(left, right, o + (long)py * pw, pw, null, relu);
                    continue;
                }
                // the pooled rows of tile rows r (lanes 0–3) and r + 1 (lanes 4–7), eight columns each
                var (lanes03, lanes47) = Interleave(left, right);
                if (py < ph) StoreEight(lanes03, o + (long)py * pw, pw, null, relu);
                if (r + 1 < rows && py + 2 < ph) StoreEight(lanes47, o + (long)(py + 2) * pw, pw, null, relu);
            }
        }
    }

    /// <summary><see cref="OutputTransformLarge"/> for two images' 2×2 tiles (lanes 0–3 the plane at o, 4–7 the one at
    /// <paramref name="next"/>, null past the last image): tile row 0 gives output rows 0–3, tile row 1 rows 4–7.</summary>
    [SkipLocalsInit]
    static void OutputTransformImagePairs(float* p, long xiStride, in ConvGeometry g, Vector256<float> bv, bool relu, float* o, float* next, float* residual, float* nextResidual)
    {
        var a = stackalloc Vector256<float>[24];
        ProductRows(p, xiStride, a);
        int columns = g.OW;
        for (int i = 0; i < 4; i++)
        {
            OutputRow(a, i, bv, out var c0, out var c1, out var c2, out var c3);
            long top = (long)i * columns, bottom = top + 4L * columns;
            bool lower = i + 4 < g.OH;
            StoreEight(Avx.Permute2x128(c0, c1, 0x20), o + top, columns, residual == null ? null : residual + top, relu);
            if (lower) StoreEight(Avx.Permute2x128(c2, c3, 0x20), o + bottom, columns, residual == null ? null : residual + bottom, relu);
            if (next == null) continue;
            StoreEight(Avx.Permute2x128(c0, c1, 0x31), next + top, columns, nextResidual == null ? null : nextResidual + top, relu);
            if (lower) StoreEight(Avx.Permute2x128(c2, c3, 0x31), next + bottom, columns, nextResidual == null ? null : nextResidual + bottom, relu);
        }
    }
}
