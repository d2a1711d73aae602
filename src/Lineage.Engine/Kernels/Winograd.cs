using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lineage.Engine.Kernels;

/// <summary>
/// 3×3 stride-1 convolution by Winograd's minimal filtering F(2×2, 3×3) (Lavin and Gray, "Fast Algorithms for
/// Convolutional Neural Networks", CVPR 2016). Each 2×2 block of outputs (a tile) is
/// Aᵀ [Σ_c (G g_c Gᵀ) ⊙ (Bᵀ d_c B)] A, with d_c the tile's 4×4 input window of channel c and g_c its 3×3 filter:
/// 16 multiplications per tile and channel pair instead of the direct convolution's 36, so 2.25× fewer FLOPs.
/// The Σ_c for each of the 16 transformed positions ξ is a GEMM [Cout, Cin] · [Cin, tiles], run with the implicit
/// convolution's weight panels and tiles (<see cref="ImplicitConv.PanelTimesRows"/>), one 8-channel weight panel
/// at a time, whose 16 products are turned into outputs while they are in cache.
/// Tiles sit on a grid (<see cref="Plan"/>) on which every transform is a vector operation over consecutive tiles;
/// a chunk of whole images or of a band of tile rows is transformed at a time, at most 128 tiles long and sized so
/// that its transformed inputs (16 · Cin · tiles floats) stay in L2. The transforms run in Vector256 registers on
/// AVX-512 machines too: their Vector512 versions measured no faster for the input and twice as slow for the output
/// (unaligned 64-byte loads of the products split cache lines). The result differs from the direct convolution by
/// rounding (the transforms add and halve before multiplying), not as a function: training uses it for the forward
/// pass and the input gradient (<see cref="InputGradient"/>, the convolution of the output gradient with the rotated
/// filters) (ResNet-20's training step, batch 64, 2 threads, variants interleaved in one process: its 32- and 64-channel
/// forward and input-gradient convolutions 19.0 ms against 21.9, the step 92.1 ms against 95.2, medians of 20 rounds
/// in a slow spell). The weight gradient is <see cref="WinogradWeightGradient"/> where it applies; elsewhere the
/// implicit GEMM's, fed with the grids these passes copy as they go.
/// Every output element is computed by the same sequence of operations whatever the thread count.
/// On AVX-512, layers whose outputs are 29–32 or 13–16 wide or at most 8×8 (this last not pooled) take F(4×4, 3×3)
/// instead (Winograd.LargeTiles.cs), which these passes' GEMMs serve too.
/// </summary>
internal static unsafe partial class Winograd
{
    /// <summary>Rows of a weight panel: the implicit convolution's.</summary>
    const int MR = 8;
    /// <summary>Budget of one chunk's transformed inputs (half of a 1 MiB L2).</summary>
    const int ChunkBytes = 512 * 1024;
    /// <summary>Most tile columns per chunk, however few the channels: each weight panel's 16 products over the chunk
    /// (16·8·columns floats) are turned into outputs while in cache. Measured at batch 256 on 2 threads (variants
    /// interleaved, three sets in one process), against the byte budget alone (256 columns for 32 channels): a
    /// 32→32 16×16 layer 3.34 / 4.29 / 2.57 ms against 3.62 / 4.81 / 2.66, 64→64 8×8 (128 columns either way) and
    /// 32→64 14×14 within ±5 %, ResNet-20's inference 70.7 / 96.3 / 59.8 ms against 71.9 / 96.3 / 60.8;
    /// 96 and 192 columns were slower than both.</summary>
    const int MaxChunkColumns = 128;

    /// <summary>Tests switch this off to compare against the direct kernels.</summary>
    internal static bool Enabled = true;

    /// <summary>Fewest multiplications per transformed value, Cin·Cout / (Cin + Cout), for which Winograd is used:
    /// each tile transforms Cin inputs and Cout outputs (16 values each) around 16·Cin·Cout multiplications. Measured
    /// at batch 256 on 2 threads (Zen 5, 2026-12-04), against the implicit GEMM: 32→64 channels on 14×14 5.3 ms
    /// against 7.3 (ratio 21), 64→64 on 8×8 3.4 against 4.1 (32), 32→32 on 16×16 3.3 against 3.7 (16), but
    /// 16→16 on 32×32 4.3 against 3.7 (8). Tests set 0 to run small layers through it.</summary>
    internal static int MinProductsPerValue = 12;

    /// <summary>3×3 kernel, stride 1, no dilation, one group, padding at most 2, enough channels, and a CPU with
    /// the implicit convolution's tiles (AVX-512, or AVX2 with FMA).</summary>
    public static bool Applies(in ConvGeometry g, int groups, int cout)
        => Enabled && ImplicitConv.PathApplies && groups == 1 && g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1
           && g.DH == 1 && g.DW == 1 && g.PH <= 2 && g.PW <= 2 && (long)g.C * cout >= (long)MinProductsPerValue * (g.C + cout);

    /// <summary>Floats from one ξ's weight panels to the next: the panels, + 16 so that the 16 values of one filter,
    /// written 16 planes apart, do not all fall in one L1 set (64×64 filters 16 KiB apart took 0.20 ms per transform
    /// against 0.07 ms with the pad, one thread).</summary>
    static int WeightPlane(int rows, int cin) => rows * cin + 16;

    /// <summary>U = G g Gᵀ for every filter, as 16 matrices [Cout, Cin] (one per ξ = 4·row + column of the 4×4
    /// transform) packed in <see cref="ImplicitConv.PackWeights"/>'s MR-row panels; rows past Cout are zero.
    /// G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]]. With <paramref name="rotated"/>, w is a forward weight
    /// [Cin, Cout, 3, 3] and filter g[co, ci] is w[ci, co] turned by 180°: the input-gradient convolution's filters
    /// (<see cref="ImplicitConv.PackRotatedWeights"/>), transformed without a rotated copy.</summary>
    static float[] TransformWeights(float[] w, int cout, int cin, bool rotated = false)
    {
        int rows = (cout + MR - 1) / MR * MR, block = WeightPlane(rows, cin);
        var u = BufferPool.Rent(16 * block);
        // one thread: 64×64 filters take 0.07 ms, and spreading them over two took 0.5 ms (waking the second)
        Span<float> s = stackalloc float[12];
        Span<float> f = stackalloc float[9];
        for (int co = 0; co < cout; co++)
            for (int ci = 0; ci < cin; ci++)
            {
                if (rotated) for (int t = 0; t < 9; t++) f[t] = w[(ci * cout + co) * 9 + 8 - t];
                else w.AsSpan((co * cin + ci) * 9, 9).CopyTo(f);
                for (int j = 0; j < 3; j++)   // G g: 4 rows of 3
                {
                    float a = f[j], b = f[3 + j], c = f[6 + j];
                    s[j] = a; s[3 + j] = 0.5f * (a + b + c); s[6 + j] = 0.5f * (a - b + c); s[9 + j] = c;
                }
                int at = (co / MR) * MR * cin + ci * MR + co % MR;
                for (int i = 0; i < 4; i++)   // (G g) Gᵀ: each row of 3 becomes 4
                {
                    float a = s[3 * i], b = s[3 * i + 1], c = s[3 * i + 2];
                    u[(4 * i) * block + at] = a;
                    u[(4 * i + 1) * block + at] = 0.5f * (a + b + c);
                    u[(4 * i + 2) * block + at] = 0.5f * (a - b + c);
                    u[(4 * i + 3) * block + at] = c;
                }
            }
        if (rows != cout)
            for (int xi = 0; xi < 16; xi++)
                for (int ci = 0; ci < cin; ci++)
                    u.AsSpan(xi * block + (cout / MR) * MR * cin + ci * MR + cout % MR, rows - cout).Clear();
        return u;
    }

    /// <summary>How the tiles are grouped: the phase planes have rows W1 = TW + 1 wide (the extra column holds the
    /// window's right edge for the last tile), and tile (ty, tx) of an image sits at f = ty·Pitch + tx among the
    /// transformed values, so that every transform is a vector operation over 8 consecutive f. Rows of 8, 16, …
    /// tiles (Pitch = TW) and of 4 (two rows per vector, Pitch = TW) are packed; other widths keep the phase
    /// planes' pitch W1, their extra column wrapping like the implicit convolution's grid (a fifth of the GEMM's
    /// columns for 8×8 outputs, which the packed rows do not compute: ResNet-20's inference took 63.2–66.0 ms
    /// with packed rows against 66.0–68.3 with wrapped ones, rounds interleaved in one process). A chunk is a run
    /// of segments laid end to end: whole images when one fits (<see cref="ChunkBytes"/> of transformed inputs),
    /// else a band of tile rows of one image.</summary>
    readonly record struct Plan(int TH, int TW, int W1, int Pitch, int BandRows, int ImagesPerChunk, int Chunks, int Bands, int Columns, int Stride)
    {
        public static Plan For(in ConvGeometry g, int n)
        {
            int th = (g.OH + 1) / 2, tw = (g.OW + 1) / 2, w1 = tw + 1, pitch = tw % 8 == 0 || tw == 4 ? tw : w1;
            int budget = Math.Min(MaxChunkColumns, Math.Max(32, ChunkBytes / (4 * 16 * g.C)));
            int bandRows = Math.Clamp(budget / pitch, 1, th), bands = (th + bandRows - 1) / bandRows;
            int images = bandRows == th ? Math.Clamp(budget / (th * pitch), 1, n) : 1;
            int chunks = bandRows == th ? (n + images - 1) / images : n * bands;
            int columns = images * bandRows * pitch;
            return new Plan(th, tw, w1, pitch, bandRows, images, chunks, bands, columns, RowFloats(columns, g.C));
        }

        /// <summary>Floats from one transformed-input row to the next: the columns, + 16 that the vector loops of the
        /// last segment run past them, + a pad that puts the 16 ξ-planes (C rows apart) on distinct 256-byte offsets
        /// within 4 KiB. Planes a multiple of 4 KiB apart alias in the store-to-load check: with 64 channels
        /// of 8×8 planes (36,864 bytes apart) the input transform ran 1.8 times slower than with 8 floats more.</summary>
        internal static int RowFloats(int columns, int c)
        {
            int stride = (columns + 15) / 16 * 16 + 16, best = stride, bestSlots = 0;
            Span<bool> used = stackalloc bool[16];
            for (int pad = 0; pad < 64; pad++)
            {
                used.Clear();
                int slots = 0;
                for (int xi = 0; xi < 16; xi++)
                {
                    int slot = (int)((long)xi * c * (stride + pad) * 4 % 4096 / 256);
                    if (!used[slot]) { used[slot] = true; slots++; }
                }
                if (slots > bestSlots) { bestSlots = slots; best = stride + pad; }
            }
            return best;
        }

        /// <summary>Floats of one phase plane of a band, with the slack the vector loops read past it.</summary>
        public int PhaseFloats => (BandRows * W1 + 15) / 16 * 16 + W1 + 16;
    }

    /// <summary>o[n, M, OH, OW] = conv3×3(x, w) (+ bias, + <paramref name="residual"/> of the output's shape, then ReLU
    /// when <paramref name="relu"/>), stride 1, w [M, C, 3, 3]; with <paramref name="pool"/>, o[n, M, ⌊OH/2⌋, ⌊OW/2⌋]
    /// is its 2×2 stride-2 max pooling (no residual).
    /// With <paramref name="padded"/> (<see cref="ImplicitConv.PaddedFloats"/> long) every image is also copied onto
    /// the implicit convolution's grid there, for the weight gradient, while it is in cache: a separate
    /// <see cref="ImplicitConv.PadImages"/> over the batch afterwards cost more than Winograd saved (training,
    /// batch 64: 0.23 ms per 32-channel 16×16 layer, memory-bound).</summary>
    public static void Forward(float[] x, int n, in ConvGeometry g, float[] w, int m, float[]? bias, float[] o, bool relu, float[]? residual = null, bool pool = false, float[]? padded = null)
    {
        if (LargeTilesApply(g, pool))
        {
            var large = TransformWeightsLarge(w, m, g.C, rotated: false);
            try { RunLargeTiles(x, n, g, large, m, bias, o, relu, residual, padded, pool); }
            finally { BufferPool.Return(large); }
            return;
        }
        var u = TransformWeights(w, m, g.C);
        try { Run(x, n, g, u, m, bias, o, relu, residual, pool, padded); }
        finally { BufferPool.Return(u); }
    }

    /// <summary>dx[n, Cin, H, W] of a 3×3 stride-1 convolution with weight w [Cout, Cin, 3, 3]: the convolution of
    /// dy [n, Cout, OH, OW] with the rotated filters, on <paramref name="bg"/> =
    /// <see cref="ImplicitConv.BackwardGeometry"/> (which <see cref="Applies"/> must accept with Cin outputs). With
    /// <paramref name="dyPadded"/>, dy is also copied onto that geometry's grid, which is the weight gradient's
    /// (<see cref="ImplicitConv.SharesGradientGrid"/>), as in <see cref="Forward"/>. With <paramref name="accumulate"/>
    /// the input gradient is added to what dx holds (each value read just before it is written).</summary>
    public static void InputGradient(float[] dy, int n, in ConvGeometry bg, float[] w, int cin, float[] dx, float[]? dyPadded, bool accumulate = false)
    {
        if (LargeTilesApply(bg, pool: false))
        {
            var large = TransformWeightsLarge(w, cin, bg.C, rotated: true);
            try { RunLargeTiles(dy, n, bg, large, cin, null, dx, relu: false, residual: accumulate ? dx : null, dyPadded); }
            finally { BufferPool.Return(large); }
            return;
        }
        var u = TransformWeights(w, cin, bg.C, rotated: true);
        try { Run(dy, n, bg, u, cin, null, dx, relu: false, residual: accumulate ? dx : null, pool: false, dyPadded); }
        finally { BufferPool.Return(u); }
    }

    static void Run(float[] x, int n, in ConvGeometry g, float[] u, int m, float[]? bias, float[] o, bool relu, float[]? residual, bool pool, float[]? padded)
    {
        int paddedImage = ImplicitConv.PaddedImage(g);
        if (padded != null) ImplicitConv.ClearSlack(padded, n, g);
        var plan = Plan.For(g, n);
        int c = g.C, rows = (m + MR - 1) / MR * MR, stride = plan.Stride;
        bool avx512 = ImplicitConv.Avx512Tiles;
        var off = new int[c];
        for (int p = 0; p < c; p++) off[p] = p * stride;
        var geo = g;
        var split = new ImplicitConv.RowSplit(g.W, g.PW);
        Par.For(plan.Chunks, 2L * 16 * rows * c * plan.Columns, (s, e) =>
        {
            var v = BufferPool.Rent(16 * c * stride);
            var products = BufferPool.Rent(16 * MR * stride);
            var phases = BufferPool.Rent(4 * plan.PhaseFloats);
            try
            {
                phases.AsSpan(0, 4 * plan.PhaseFloats).Clear();
                fixed (float* x0 = x, u0 = u, v0 = v, p0 = products, ph0 = phases, o0 = o, b0 = bias, res0 = residual, pad0 = padded)
                fixed (int* off0 = off)
                {
                    for (int ch = s; ch < e; ch++)
                    {
                        var (img0, images, ty0, bandRows) = Segments(plan, n, ch);
                        int segment = bandRows * plan.Pitch, used = images * segment;
                        for (int i = 0; i < images; i++)
                        {
                            // a banded image is copied with its first band; its phase planes then read it from L2
                            if (pad0 != null && ty0 == 0)
                                ImplicitConv.PadImage(x0 + (long)(img0 + i) * c * geo.H * geo.W, pad0 + (long)(img0 + i) * paddedImage, geo);
                            for (int ci = 0; ci < c; ci++)
                            {
                                float* src = x0 + (long)((img0 + i) * c + ci) * geo.H * geo.W, dst = v0 + (long)ci * stride + i * segment;
                                // the next plane is read next: ask for it now (the input comes from L3 or memory,
                                // and its short rows, read every other one, are not streamed in by the prefetchers)
                                ImplicitConv.Prefetch(src + geo.H * geo.W, geo.H * geo.W);
                                PhasePlanes(src, geo, split, ty0, plan, ph0);
                                if (plan.Pitch == 4) InputTransform<TwoRowsOfFour>(ph0, plan.PhaseFloats, plan.W1, 4, segment, dst, (long)c * stride);
                                else InputTransform<RowOfEight>(ph0, plan.PhaseFloats, plan.W1, plan.Pitch, segment, dst, (long)c * stride);
                            }
                        }
                        ClearPastColumns(v0, 16 * c, stride, used);
                        for (int r0 = 0; r0 < rows; r0 += MR)
                        {
                            PanelProducts(16, u0, v0, p0, off0, c, rows, r0, stride, used, avx512);
                            for (int co = r0; co < Math.Min(m, r0 + MR); co++)
                                for (int i = 0; i < images; i++)
                                {
                                    float* src = p0 + (long)(co - r0) * stride + i * segment;
                                    float b = b0 != null ? b0[co] : 0f;
                                    if (pool) OutputTransformPooled(src, (long)MR * stride, plan, geo, ty0, bandRows, b, relu, o0 + (long)((img0 + i) * m + co) * (geo.OH / 2) * (geo.OW / 2));
                                    else
                                    {
                                        float* dst = o0 + (long)((img0 + i) * m + co) * geo.OH * geo.OW;
                                        OutputTransform(src, (long)MR * stride, plan, geo, ty0, bandRows, b, relu, dst, res0 == null ? null : res0 + (dst - o0));
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
                BufferPool.Return(phases);
            }
        });
    }

    /// <summary>The products run 16 columns at a time, past the last segment to a multiple of 16: keeps those columns of
    /// the <paramref name="planeRows"/> transformed-input rows finite (and not denormal). Only they are cleared: the
    /// whole buffer, per chunk of each call, was 3 % of the Winograd layers' time.</summary>
    static void ClearPastColumns(float* v, int planeRows, int stride, int used)
    {
        int end = (used + 15) / 16 * 16;
        if (end > used)
            for (int row = 0; row < planeRows; row++) new Span<float>(v + (long)row * stride + used, end - used).Clear();
    }

    /// <summary>For each of the <paramref name="xis"/> transformed positions, weight panel r0 (MR output channels) times
    /// the chunk's transformed inputs [Cin, used] into the products, MR rows per ξ.</summary>
    static void PanelProducts(int xis, float* u, float* v, float* products, int* off, int c, int rows, int r0, int stride, int used, bool avx512)
    {
        for (int xi = 0; xi < xis; xi++)
        {
            float* vb = v + (long)xi * c * stride, ub = u + (long)xi * WeightPlane(rows, c) + (long)r0 * c, pb = products + (long)xi * MR * stride;
            for (int j0 = 0; j0 < used; j0 += 32)
                ImplicitConv.PanelTimesRows(c, ub, vb + j0, off, pb + j0, stride, used - j0 > 16, avx512);
        }
    }

    /// <summary>Chunk <paramref name="chunk"/>'s segments: <c>images</c> whole images from <c>img0</c>, or one band
    /// of tile rows from <c>ty0</c>.</summary>
    static (int Img0, int Images, int Ty0, int Rows) Segments(in Plan plan, int n, int chunk)
    {
        if (plan.BandRows == plan.TH)
        {
            int img0 = chunk * plan.ImagesPerChunk;
            return (img0, Math.Min(plan.ImagesPerChunk, n - img0), 0, plan.TH);
        }
        int ty0 = chunk % plan.Bands * plan.BandRows;
        return (chunk / plan.Bands, 1, ty0, Math.Min(plan.BandRows, plan.TH - ty0));
    }

    /// <summary>The four phase planes of one channel's band, P_ab[r, k] = d[2(ty0 + r) + a − PH, 2k + b − PW]
    /// (zero outside the image), r ≤ BandRows (a tile reads its own phase row and the next), k &lt; W1; planes
    /// <see cref="Plan.PhaseFloats"/> apart in the order P00, P01, P10, P11. Each image row is split into its
    /// even and odd columns with vector shuffles (<see cref="ImplicitConv.RowSplit"/>), straight into the two
    /// phases of its row parity, the next plane's cache lines requested meanwhile. Against the former gather
    /// through a table of source offsets (one scalar load and store per value), without the prefetch, at batch
    /// 256 on 2 threads (JIT tiering off, two runs each): 32→32 channels on 16×16 3.0–3.1 ms against 4.1,
    /// 64→64 on 8×8 3.5–3.6 against 3.6–3.9, 16→16 on 32×32 4.7–4.8 against 5.7–6.8; without the prefetch the
    /// split alone had gained little (the input, coming from L3 or memory, was what the gather waited for).</summary>
    static void PhasePlanes(float* plane, in ConvGeometry g, in ImplicitConv.RowSplit split, int ty0, in Plan plan, float* phases)
    {
        int w1 = plan.W1, h = g.H, w = g.W;
        // rows in the image's order (both row phases of band row r, then r + 1), which the prefetchers follow
        for (int r = 0; r <= plan.BandRows; r++)
            for (int a = 0; a < 2; a++)
            {
                float* p0 = phases + 2 * a * plan.PhaseFloats + r * w1, p1 = p0 + plan.PhaseFloats;
                int y = 2 * (ty0 + r) + a - g.PH;
                // all within W1 for a 3×3 window with padding ≤ 2
                if ((uint)y < (uint)h) split.Split(plane + y * w, p0, p1, w1);
                else for (int k = 0; k < w1; k++) { p0[k] = 0f; p1[k] = 0f; }
            }
    }

    /// <summary>How 8 tiles' values are loaded from a phase plane whose rows are W1 apart.</summary>
    interface ITileLoad { static abstract Vector256<float> Load(float* p, int w1); }

    /// <summary>Eight consecutive tiles of one row (or, with Pitch = W1, running on into the next).</summary>
    readonly struct RowOfEight : ITileLoad { public static Vector256<float> Load(float* p, int w1) => Vector256.Load(p); }

    /// <summary>The four tiles of a row and the four below them.</summary>
    readonly struct TwoRowsOfFour : ITileLoad { public static Vector256<float> Load(float* p, int w1) => Vector256.Create(Vector128.Load(p), Vector128.Load(p + w1)); }

    /// <summary>v[ξ, f] = (Bᵀ d B)[ξ] for the tiles f = 0..count of a band (tile (r, tx) at f = r·pitch + tx), Bᵀ =
    /// [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]], from the phase planes: with q = r·W1 + tx, the
    /// window's rows are P0·[q], P1·[q], P0·[q + W1], P1·[q + W1] and its columns, within each, phases 0 and 1 at q
    /// and at q + 1. ξ-planes are <paramref name="xiStride"/> apart; up to 7 columns past <paramref name="count"/>
    /// are written too.</summary>
    static void InputTransform<TLoad>(float* phases, int planeFloats, int w1, int pitch, int count, float* v, long xiStride) where TLoad : ITileLoad
    {
        float* p00 = phases, p01 = phases + planeFloats, p10 = p01 + planeFloats, p11 = p10 + planeFloats;
        for (int f = 0; f < count; f += 8)
        {
            int r = f / pitch;
            int q = r * w1 + f - r * pitch;
            // Bᵀ d: the four combined rows T_i, at phase b and column offset 0 or 1 (T_i,b,+1 is column 2tx + 2 + b)
            var (t00, t10, t20, t30) = Rows<TLoad>(p00 + q, p10 + q, w1);
            var (t01, t11, t21, t31) = Rows<TLoad>(p01 + q, p11 + q, w1);
            var (s00, s10, s20, s30) = Rows<TLoad>(p00 + q + 1, p10 + q + 1, w1);
            var (s01, s11, s21, s31) = Rows<TLoad>(p01 + q + 1, p11 + q + 1, w1);
            // (Bᵀ d) B: columns 2tx..2tx+3 of row i are t_i0, t_i1, s_i0, s_i1
            float* d = v + f;
            Columns(t00, t01, s00, s01, d, xiStride);
            Columns(t10, t11, s10, s11, d + 4 * xiStride, xiStride);
            Columns(t20, t21, s20, s21, d + 8 * xiStride, xiStride);
            Columns(t30, t31, s30, s31, d + 12 * xiStride, xiStride);
        }
    }

    /// <summary>Bᵀ applied down the columns: rows r0 = p0[f], r1 = p1[f], r2 = p0[f + W1], r3 = p1[f + W1] give
    /// r0 − r2, r1 + r2, r2 − r1, r1 − r3.</summary>
    static (Vector256<float>, Vector256<float>, Vector256<float>, Vector256<float>) Rows<TLoad>(float* p0, float* p1, int w1) where TLoad : ITileLoad
    {
        var r0 = TLoad.Load(p0, w1); var r1 = TLoad.Load(p1, w1); var r2 = TLoad.Load(p0 + w1, w1); var r3 = TLoad.Load(p1 + w1, w1);
        return (r0 - r2, r1 + r2, r2 - r1, r1 - r3);
    }

    /// <summary>B applied across one combined row's columns c0..c3: c0 − c2, c1 + c2, c2 − c1, c1 − c3 into four ξ-planes.</summary>
    static void Columns(Vector256<float> c0, Vector256<float> c1, Vector256<float> c2, Vector256<float> c3, float* d, long xiStride)
    {
        (c0 - c2).Store(d);
        (c1 + c2).Store(d + xiStride);
        (c2 - c1).Store(d + 2 * xiStride);
        (c1 - c3).Store(d + 3 * xiStride);
    }

    /// <summary>Writes the 2×2 outputs Aᵀ m A (+ bias, + residual, ReLU) of a band's tiles into one output plane, from
    /// their 16 products (product ξ of tile f at p[ξ·xiStride + f]), Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]]: eight
    /// tiles of a row at a time, their two output rows interleaved in registers and stored with a mask at the right
    /// edge (the wrapped grid column and an odd width's last column are never written), the lower row skipped past
    /// an odd bottom edge. The residual, when given, is a plane of the output's shape.</summary>
    static void OutputTransform(float* p, long xiStride, in Plan plan, in ConvGeometry g, int ty0, int rows, float b, bool relu, float* o, float* residual)
    {
        var bv = Vector256.Create(b);
        if (plan.Pitch == 4)
        {
            OutputTransformRowsOfFour(p, xiStride, g, ty0, rows, bv, relu, o, residual);
            return;
        }
        for (int r = 0; r < rows; r++)
        {
            int oy = 2 * (ty0 + r);
            bool lower = oy + 1 < g.OH;
            long top = (long)oy * g.OW;
            for (int tx = 0; tx < plan.TW; tx += 8)
            {
                var (y00, y01, y10, y11) = TileOutputs(p + r * plan.Pitch + tx, xiStride);
                y00 += bv; y01 += bv; y10 += bv; y11 += bv;
                int columns = Math.Min(16, g.OW - 2 * tx);
                long at = top + 2 * tx;
                StorePairs(y00, y01, o + at, columns, residual == null ? null : residual + at, relu);
                if (lower) StorePairs(y10, y11, o + at + g.OW, columns, residual == null ? null : residual + at + g.OW, relu);
            }
        }
    }

    /// <summary><see cref="OutputTransform"/> for rows of 4 tiles (7 or 8 output columns), two tile rows per vector as
    /// they were packed: lanes 0–3 are tile row r, lanes 4–7 row r + 1, where the row-by-row loop computed 8 tiles to
    /// store 4 (a 64→64 8×8 layer with bias, residual and ReLU, batch 256, 2 threads, 25 interleaved rounds in two
    /// runs: 2.95–3.06 ms against 3.14–3.16).</summary>
    static void OutputTransformRowsOfFour(float* p, long xiStride, in ConvGeometry g, int ty0, int rows, Vector256<float> bv, bool relu, float* o, float* residual)
    {
        int columns = g.OW;
        for (int r = 0; r < rows; r += 2)
        {
            var (y00, y01, y10, y11) = TileOutputs(p + r * 4, xiStride);
            var (top0, top1) = Interleave(y00 + bv, y01 + bv);      // output rows 2r (tile row r), 2r + 2 (row r + 1)
            var (bottom0, bottom1) = Interleave(y10 + bv, y11 + bv);
            int oy = 2 * (ty0 + r);
            for (int k = 0; k < 4 && oy + k < g.OH && (k < 2 || r + 1 < rows); k++)
            {
                var v = k switch { 0 => top0, 1 => bottom0, 2 => top1, _ => bottom1 };
                long at = (long)(oy + k) * g.OW;
                StoreEight(v, o + at, columns, residual == null ? null : residual + at, relu);
            }
        }
    }

    /// <summary>The 2×2 stride-2 max pooling of the outputs <see cref="OutputTransform"/> would write: a tile's four
    /// outputs are exactly one pooling window, so each tile gives max(y00, y01, y10, y11) + bias (then ReLU, which
    /// commutes with the maximum) at pooled position (ty, tx); a last tile row or column cut by an odd edge has no
    /// window (floor mode) and is skipped.</summary>
    static void OutputTransformPooled(float* p, long xiStride, in Plan plan, in ConvGeometry g, int ty0, int rows, float b, bool relu, float* o)
    {
        var bv = Vector256.Create(b);
        int ph = g.OH / 2, pw = g.OW / 2;
        for (int r = 0; r < rows && ty0 + r < ph; r++)
        {
            float* dst = o + (long)(ty0 + r) * pw;
            for (int tx = 0; tx < pw; tx += 8)
            {
                var (y00, y01, y10, y11) = TileOutputs(p + r * plan.Pitch + tx, xiStride);
                var v = Vector256.Max(Vector256.Max(y00, y01), Vector256.Max(y10, y11)) + bv;
                if (relu) v = Vector256.Max(v, Vector256<float>.Zero);
                int columns = pw - tx;
                if (columns >= 8) v.Store(dst + tx); else Avx.MaskStore(dst + tx, Mask(columns), v);
            }
        }
    }

    /// <summary>The 2×2 outputs y00, y01, y10, y11 of 8 consecutive tiles, Aᵀ m A with Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]],
    /// from their 16 products (product ξ of tile f at q[ξ·xiStride + f]).</summary>
    static (Vector256<float>, Vector256<float>, Vector256<float>, Vector256<float>) TileOutputs(float* q, long xiStride)
    {
        Vector256<float> L(int xi) => Vector256.Load(q + xi * xiStride);
        // Aᵀ m: rows q0 = m0 + m1 + m2, q1 = m1 − m2 − m3 (each a row of 4 products)
        var q00 = L(0) + L(4) + L(8); var q01 = L(1) + L(5) + L(9); var q02 = L(2) + L(6) + L(10); var q03 = L(3) + L(7) + L(11);
        var q10 = L(4) - L(8) - L(12); var q11 = L(5) - L(9) - L(13); var q12 = L(6) - L(10) - L(14); var q13 = L(7) - L(11) - L(15);
        // (Aᵀ m) A: each row of 4 becomes 2
        return (q00 + q01 + q02, q01 - q02 - q03, q10 + q11 + q12, q11 - q12 - q13);
    }

    /// <summary>d[2i] = a[i], d[2i + 1] = b[i] (+ residual[·], then ReLU when asked), only the first
    /// <paramref name="columns"/> (≤ 16) of d written and of the residual read.</summary>
    static void StorePairs(Vector256<float> a, Vector256<float> b, float* d, int columns, float* residual, bool relu)
    {
        var (first, second) = Interleave(a, b);
        StoreEight(first, d, columns, residual, relu);
        if (columns > 8) StoreEight(second, d + 8, columns - 8, residual == null ? null : residual + 8, relu);
    }

    /// <summary>(a0 b0 a1 b1 a2 b2 a3 b3, a4 b4 … a7 b7).</summary>
    static (Vector256<float> First, Vector256<float> Second) Interleave(Vector256<float> a, Vector256<float> b)
    {
        // unpack works within 128-bit lanes: lo = a0 b0 a1 b1 | a4 b4 a5 b5, hi = a2 b2 a3 b3 | a6 b6 a7 b7
        var lo = Avx.UnpackLow(a, b);
        var hi = Avx.UnpackHigh(a, b);
        return (Avx.Permute2x128(lo, hi, 0x20), Avx.Permute2x128(lo, hi, 0x31));
    }

    /// <summary>d[0..columns] = v (+ residual, then ReLU when asked), columns ≤ 8; a mask below 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreEight(Vector256<float> v, float* d, int columns, float* residual, bool relu)
    {
        if (columns >= 8)
        {
            if (residual != null) v += Vector256.Load(residual);
            if (relu) v = Vector256.Max(v, Vector256<float>.Zero);
            v.Store(d);
            return;
        }
        var m = Mask(columns);
        if (residual != null) v += Avx.MaskLoad(residual, m);
        if (relu) v = Vector256.Max(v, Vector256<float>.Zero);
        Avx.MaskStore(d, m, v);
    }

    /// <summary>Lanes 0..count−1 set (count ≤ 0: none).</summary>
    static Vector256<float> Mask(int count)
        => Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(count)).AsSingle();
}
