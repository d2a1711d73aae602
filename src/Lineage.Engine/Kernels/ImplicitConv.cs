using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lineage.Engine.Kernels;

/// <summary>
/// Stride-1 and stride-2 convolution as an implicit GEMM on a grid, without an im2col matrix.
/// Each image is copied once, just before its tiles are computed, onto a grid of rows of width Wp
/// (<see cref="GridWidth"/>): the zero-padded image with each row's padding shared with the next row
/// (stride 1), its four phases (stride 2), or one column-shifted copy per kernel column (stride-1
/// layers whose rows would otherwise waste many columns). On that grid the im2col row of tap (c, ki, kj)
/// is the grid itself shifted by a constant (<see cref="TapOffsets"/>), so the GEMM reads its B operand
/// straight from it through a table of row offsets instead of a packed copy. Output is computed for all
/// Wp columns of every output row into a per-image grid; the Wp − OW columns that wrap into the next row
/// are dropped when the image's rows are stored. Weights are packed once per call (not once per image),
/// which matters when Cout is only 16–64.
/// Every output element is produced by one micro-kernel call in a fixed k order and weight-gradient
/// elements are summed over images in fixed blocks, so results do not depend on the thread count.
/// </summary>
internal static unsafe partial class ImplicitConv
{
    const int MR = 8, NR = 32, KC = 256;
    /// <summary>Rows of the weight-gradient dot-product tile (output channels × taps).</summary>
    const int DR = 4;
    /// <summary>Width (input taps) of a full weight-gradient tile: 4×6 tiles hold 24 accumulators and load 10 vectors per 24 FMAs.</summary>
    const int DC = 6;
    /// <summary>Bytes of padded input and gradient one weight-gradient image block may span (half an L2); tests lower
    /// it to split a few small images into several blocks.</summary>
    internal static int BlockBytes = 512 * 1024;
    /// <summary>Image blocks from which the weight gradient splits the batch over threads by blocks rather than by tiles.</summary>
    const int MinImageGroups = 4;

    /// <summary>Tests switch this off to compare against the im2col + GEMM path.</summary>
    internal static bool Enabled = true;

    /// <summary>One group, and at most a quarter of the grid wasted on wrapped columns; stride 1 with a real
    /// (not 1×1 unpadded) kernel and padding the input-gradient convolution can use, or stride 2 (whose input
    /// gradient is <see cref="Stride2InputGradient"/>).</summary>
    public static bool Applies(in ConvGeometry g, int groups)
        => Enabled && PathApplies && GeometryApplies(g, groups);

    static bool GeometryApplies(in ConvGeometry g, int groups)
        => groups == 1 && 4 * g.OW >= 3 * GridWidth(g)
           && (g.SH == 1 && g.SW == 1 && !g.IsPointwise && g.PH <= g.DH * (g.KH - 1) && g.PW <= g.DW * (g.KW - 1)
               || g.SH == 2 && g.SW == 2);

    /// <summary>Width of a row of the grid the GEMM runs on. Stride 1: W + PW, an image row and PW zeros that are
    /// both its right padding and the next row's left padding (a padded row of W + 2·PW would wrap one more
    /// column of every output row for nothing). Stride 2: the padded image is split into its four phases
    /// (even/odd rows × even/odd columns), each half as wide, so that every tap of a stride-2 window is again
    /// a constant shift within one phase. With <see cref="ColumnShifted"/> copies: exactly the output width.</summary>
    static int GridWidth(in ConvGeometry g) => g.SW != 1 ? (g.W + 2 * g.PW + 1) / 2 : ColumnShifted(g) ? g.OW : g.W + g.PW;

    /// <summary>Grid rows per padded plane (stride 1) or per phase plane (stride 2).</summary>
    static int GridHeight(in ConvGeometry g) => g.SH == 1 ? g.H + 2 * g.PH : (g.H + 2 * g.PH + 1) / 2;

    /// <summary>Floats of one channel on the grid: one padded plane (after PW leading zeros, the first row's left
    /// padding), four phase planes, or KW column-shifted planes.</summary>
    static int ChannelFloats(in ConvGeometry g)
        => g.SH != 1 ? 4 * GridHeight(g) * GridWidth(g) : ColumnShifted(g) ? g.KW * GridHeight(g) * g.OW : g.PW + GridHeight(g) * GridWidth(g);

    /// <summary>Stride-1 layers whose padded rows are much wider than their output (8×8 planes on a 10-wide grid:
    /// a fifth of the GEMM's columns wrap and are thrown away) get one copy of each padded plane per kernel
    /// column kj, shifted left by kj·DW and cut to the output width: every tap is then a row shift within one
    /// copy and no column is wasted, for KW times the copying.</summary>
    static bool ColumnShifted(in ConvGeometry g)
        => g.SW == 1 && g.SH == 1 && (long)ShiftedWasteDivisor * (g.W + g.PW - g.OW) >= g.W + g.PW;

    /// <summary>Column-shifted copies are made when at least 1/ShiftedWasteDivisor of a grid row would wrap.
    /// At 9 only ResNet-20's 8×8 stage takes them (one thread, measured on 10-wide rows: its forward 35.6 →
    /// 32.6 ms and weight gradient 18.4 → 16.3 ms per step); taking the 16×16 stage too made its weight
    /// gradient slower (17.0 → 19.2 ms), the copies no longer fitting L1. Tests set it to 0 (never) or a huge
    /// value (always).</summary>
    internal static int ShiftedWasteDivisor = 9;

    /// <summary>Floats read past one image's padded planes by the widest tile (wrapped columns only).</summary>
    static int Slack(in ConvGeometry g) => g.DW * (g.KW - 1) + 2 * NR;

    /// <summary>Floats of one image's grid in a padded copy: image i starts at i times this.</summary>
    internal static int PaddedImage(in ConvGeometry g) => g.C * ChannelFloats(g);

    /// <summary>Floats of the zero-padded copy of n images (<see cref="PadImages"/>), slack included.</summary>
    public static int PaddedFloats(in ConvGeometry g, int n) => n * PaddedImage(g) + Slack(g);

    /// <summary>Zeroes the slack after the last of n images of a padded copy, which the widest tiles read.</summary>
    internal static void ClearSlack(float[] xp, int n, in ConvGeometry g) => xp.AsSpan(n * PaddedImage(g), Slack(g)).Clear();

    /// <summary>o[n, M, OH, OW] = Σ_k w[M, K] · tap_k(x) (+ bias), w given as panels from <see cref="PackWeights"/>.
    /// Each image is copied into its zero-padded planes just before its tiles are computed, so the tiles read
    /// it from L2 instead of from a batch-wide padded copy made earlier (which a 16-channel 32×32 layer's
    /// 4.7 MB batch evicts to L3: the tiles of that layer then ran at about half the FMA peak). With
    /// <paramref name="padded"/> (<see cref="PaddedFloats"/> long) the padded images are kept there for
    /// the weight gradient; otherwise each thread pads into one image's scratch. With <paramref name="pool"/>,
    /// o[n, M, ⌊OH/2⌋, ⌊OW/2⌋] is the 2×2 stride-2 max pooling of the result (<see cref="StoreImagePooled"/>).</summary>
    public static void Forward(float[] x, int n, in ConvGeometry g, float[] panels, int m, float[]? bias, float[] o, float[]? padded, bool relu = false, float[]? residual = null, bool pool = false,
        Projection? projection = null)
    {
        bool avx512 = Avx512Tiles;
        int wp = GridWidth(g), k = g.ColRows, img = PaddedImage(g), cols = g.OH * wp, slack = Slack(g);
        int tiles = (cols + NR - 1) / NR, outPlane = g.OH * g.OW, inImage = g.C * g.H * g.W;
        var proj = projection.GetValueOrDefault();
        bool projecting = projection.HasValue;
        if (projecting && (pool || padded != null)) throw new ArgumentException("implicit conv: a projection is computed only in a plain forward pass");
        int rows = Math.Max(m, proj.M);
        var off = ArrayPool<int>.Shared.Rent(k);
        var projOff = ArrayPool<int>.Shared.Rent(projecting ? g.C : 0);
        try
        {
            TapOffsets(g, off);
            // the projection's input element (S·y, S·x) is the padded element (S·y + PH, S·x + PW): tap (PH, PW) of each channel
            for (int c = 0; projecting && c < g.C; c++) projOff[c] = off[(c * g.KH + g.PH) * g.KW + g.PW];
            padded?.AsSpan(n * img, slack).Clear();
            var geo = g;
            int ldg = tiles * NR;
            Par.For(n, 2L * (m * k + proj.M * g.C) * ldg, (s, e) =>
            {
                var scratch = padded == null ? BufferPool.Rent(img + slack) : null;
                var grid = BufferPool.Rent((rows + MR - 1) / MR * MR * ldg);
                try
                {
                    scratch?.AsSpan(img, slack).Clear();
                    fixed (float* x0 = x, pad0 = padded, scratch0 = scratch, w0 = panels, o0 = o, b0 = bias, g0 = grid, res0 = residual)
                    fixed (float* pw0 = proj.Panels, po0 = proj.Output, pb0 = proj.Bias)
                    fixed (int* off0 = off, projOff0 = projOff)
                    {
                        for (int im = s; im < e; im++)
                        {
                            float* xp = pad0 != null ? pad0 + (long)im * img : scratch0;
                            PadImage(x0 + (long)im * inImage, xp, geo, forwardOnly: pad0 == null);
                            ComputeImage(xp, m, k, cols, off0, w0, g0, ldg, avx512);
                            float* res = res0 == null ? null : res0 + (long)im * m * outPlane;
                            if (pool) StoreImagePooled(g0, ldg, m, wp, geo.OH, geo.OW, o0 + (long)im * m * (geo.OH / 2) * (geo.OW / 2), b0, relu);
                            else if (avx512) StoreImage(g0, ldg, m, wp, geo.OH, geo.OW, o0 + (long)im * m * outPlane, b0, relu, res);
                            else StoreImageAvx2(g0, ldg, m, wp, geo.OH, geo.OW, o0 + (long)im * m * outPlane, b0, relu, res);
                            if (!projecting) continue;
                            // the image's grid is still in cache: the projection reads it instead of its own copy of the input
                            ComputeImage(xp, proj.M, geo.C, cols, projOff0, pw0, g0, ldg, avx512);
                            float* po = po0 + (long)im * proj.M * outPlane;
                            if (avx512) StoreImage(g0, ldg, proj.M, wp, geo.OH, geo.OW, po, pb0, relu: false, residual: null);
                            else StoreImageAvx2(g0, ldg, proj.M, wp, geo.OH, geo.OW, po, pb0, relu: false, residual: null);
                        }
                    }
                }
                finally
                {
                    if (scratch != null) BufferPool.Return(scratch);
                    BufferPool.Return(grid);
                }
            });
        }
        finally
        {
            ArrayPool<int>.Shared.Return(off);
            ArrayPool<int>.Shared.Return(projOff);
        }
    }

    /// <summary>A 1×1 convolution of the same input with the layer's stride and no padding (a residual block's
    /// projection shortcut), computed by <see cref="Forward"/> beside the layer: o[n, M, OH, OW] = panels · x[:, S·y, S·x]
    /// (+ bias), panels from <see cref="PackWeights"/> with K = C. Its input element (S·y, S·x) is tap (PH, PW) of the
    /// layer's window, already on the layer's grid, so the projection costs its multiplications and its stores only,
    /// not a second pass over the input (<see cref="ProjectionApplies"/>).</summary>
    public readonly record struct Projection(float[] Panels, int M, float[]? Bias, float[] Output);

    /// <summary>Whether the 1×1 layer p can run as a <see cref="Projection"/> of layer g: the same input, stride and
    /// output size, no padding of its own, and g's tap (PH, PW) inside its undilated window.</summary>
    public static bool ProjectionApplies(in ConvGeometry g, in ConvGeometry p)
        => p.KH == 1 && p.KW == 1 && p.PH == 0 && p.PW == 0 && p.C == g.C && p.H == g.H && p.W == g.W && p.SH == g.SH && p.SW == g.SW
           && p.OH == g.OH && p.OW == g.OW && g.DH == 1 && g.DW == 1 && g.PH < g.KH && g.PW < g.KW;

    /// <summary>grid[M, ldg] = panels · B over the grid columns 0..cols of one image, where row p of B starts at
    /// xp + off[p]: every MR×NR tile in one micro-kernel call per KC-deep block, in a fixed k order.</summary>
    static void ComputeImage(float* xp, int m, int k, int cols, int* off, float* panels, float* grid, int ldg, bool avx512)
    {
        for (int j0 = 0; j0 < cols; j0 += NR)
        {
            float* bBase = xp + j0;
            bool wide = cols - j0 > 16;
            for (int r0 = 0; r0 < m; r0 += MR)
            {
                float* panel = panels + (long)r0 * k, d = grid + (long)r0 * ldg + j0;
                PanelTimesRows(k, panel, bBase, off, d, ldg, wide, avx512);
            }
        }
    }

    /// <summary>d[8 × 32] (8 × 16 unless <paramref name="wide"/>) = one MR-row weight panel [8, k] · B, row p of B
    /// at b + off[p], in KC-deep blocks in a fixed k order. The AVX2 tiles (ImplicitConv.Avx2.cs) compute the same
    /// tiles in Vector256 registers. Also the tile of the Winograd convolution's products.</summary>
    internal static void PanelTimesRows(int k, float* panel, float* b, int* off, float* d, int ldd, bool wide, bool avx512)
    {
        for (int pc = 0; pc < k; pc += KC)
        {
            int kc = Math.Min(KC, k - pc);
            if (avx512 && wide) Kernel8x32(kc, panel + pc * MR, b, off + pc, d, ldd, pc > 0);
            else if (avx512) Kernel8x16(kc, panel + pc * MR, b, off + pc, d, ldd, pc > 0);
            else if (wide) Tile8x32Avx2(kc, panel + pc * MR, b, off + pc, d, ldd, pc > 0);
            else Tile8x16Avx2(kc, panel + pc * MR, b, off + pc, d, ldd, pc > 0);
        }
    }

    /// <summary>Weights [M, K] in MR-row panels (panel t holds w[t·MR + r, p] at t·MR·K + p·MR + r, rows past M zero).</summary>
    public static float[] PackWeights(float[] w, int m, int k)
    {
        int rows = (m + MR - 1) / MR * MR;
        var p = BufferPool.Rent(rows * k);
        Par.For(rows / MR, (long)MR * k, (t0, t1) =>
        {
            for (int t = t0; t < t1; t++)
                for (int r = 0; r < MR; r++)
                {
                    int row = t * MR + r;
                    for (int q = 0; q < k; q++) p[(t * k + q) * MR + r] = row < m ? w[row * k + q] : 0f;
                }
        });
        return p;
    }

    /// <summary>Panels of the input-gradient weights: the forward weight [Cout, Cin, KH, KW] with its
    /// channel axes swapped and its window rotated by 180°, so that dx = conv(dy, rotated) with padding
    /// DH·(KH − 1) − PH (see <see cref="BackwardGeometry"/>).</summary>
    public static float[] PackRotatedWeights(float[] w, int cout, int cin, int kh, int kw)
    {
        int taps = kh * kw, k = cout * taps, rows = (cin + MR - 1) / MR * MR;
        var p = BufferPool.Rent(rows * k);
        if (rows != cin) p.AsSpan(cin / MR * MR * k, (rows - cin / MR * MR) * k).Clear();
        // source rows w[co, ci, ·] are contiguous over the window; the rotated tap q = taps − 1 − tap of panel
        // row ci lands at ((ci / MR)·k + co·taps + q)·MR + ci % MR
        Par.For(cout, (long)cin * taps, (c0, c1) =>
        {
            fixed (float* w0 = w, p0 = p)
                for (int co = c0; co < c1; co++)
                    for (int ci = 0; ci < cin; ci++)
                    {
                        float* src = w0 + (long)(co * cin + ci) * taps;
                        float* dst = p0 + ((long)(ci / MR) * k + co * taps + taps - 1) * MR + ci % MR;
                        for (int t = 0; t < taps; t++, dst -= MR) *dst = src[t];
                    }
        });
        return p;
    }

    /// <summary>The stride-1 convolution over the output gradient [Cout, OH, OW] whose result is the input gradient [Cin, H, W].</summary>
    public static ConvGeometry BackwardGeometry(in ConvGeometry g, int cout)
        => new(cout, g.OH, g.OW, g.KH, g.KW, 1, 1, g.DH * (g.KH - 1) - g.PH, g.DW * (g.KW - 1) - g.PW, g.DH, g.DW, g.H, g.W);

    /// <summary>True when the input-gradient convolution (<see cref="BackwardGeometry"/>) pads the output gradient
    /// onto the same grid width as the forward input ("same" padding) with at least one zero row around each
    /// plane: its padded output gradient then already is the weight gradient's row layout.</summary>
    public static bool SharesGradientGrid(in ConvGeometry g)
        => g.SH == 1 && g.SW == 1 && !ColumnShifted(g) && 2 * g.PW == g.DW * (g.KW - 1) && 2 * g.PH == g.DH * (g.KH - 1) && g.PH >= 1 && 2 * g.PH * (g.W + g.PW) + g.PW >= 16;

    /// <summary>gw[M, K] = Σ over images of dy[M, OH·OW] · tap_k(x)ᵀ. The output gradient is laid out on the
    /// padded grid with zeros in the wrapped columns, so each weight-gradient element is a plain dot
    /// product of two contiguous rows; tiles of 4×6 elements keep 24 vector accumulators in registers.
    /// Takes the padded input xp (<see cref="PadImages"/> with g) and either the output
    /// gradient dy, or (dy null) dyPadded: the output gradient already padded with <see cref="BackwardGeometry"/>,
    /// which <see cref="SharesGradientGrid"/> must allow. A batch of several L2 blocks of images is split over the
    /// threads by blocks (each block read once for every tile); a smaller one by tiles (each thread reads every image).</summary>
    public static void WeightGradient(float[] xp, float[]? dy, int n, in ConvGeometry g, int m, float[] gw, float[]? dyPadded)
    {
        int wp = GridWidth(g), k = g.ColRows, img = PaddedImage(g);
        int len = (g.OH * wp + 15) / 16 * 16;
        int dyPlane, dyImg, dyBase;
        float[] dyp;
        bool own = dyPadded == null;
        if (own)
        {
            dyPlane = len; dyImg = m * len; dyBase = 0;
            dyp = BufferPool.Rent(n * dyImg);
            var geo0 = g;
            var src = dy!;
            Par.For(n, (long)m * len, (s, e) =>
            {
                for (int im = s; im < e; im++)
                    for (int c = 0; c < m; c++)
                    {
                        var dst = dyp.AsSpan(im * dyImg + c * len, len);
                        dst.Clear();
                        for (int oh = 0; oh < geo0.OH; oh++)
                            src.AsSpan(((im * m + c) * geo0.OH + oh) * geo0.OW, geo0.OW).CopyTo(dst.Slice(oh * wp));
                    }
            });
        }
        else
        {
            if (!SharesGradientGrid(g)) throw new ArgumentException("implicit conv: the padded output gradient is not on the weight gradient's grid");
            var bg = BackwardGeometry(g, m);
            dyPlane = ChannelFloats(bg); dyImg = m * dyPlane; dyBase = bg.PW + bg.PH * wp;
            dyp = dyPadded!;
        }
        int block = (int)Math.Clamp(BlockBytes / (4L * (img + dyImg)), 1, n);
        bool avx512 = Avx512Tiles;
        var off = ArrayPool<int>.Shared.Rent(k);
        try
        {
            TapOffsets(g, off);
            int colTiles = (k + DC - 1) / DC, groups = (n + block - 1) / block;
            if (groups >= MinImageGroups)
            {
                // each group of images (one L2 block) computes every tile into its own partial sum, read from L2 once
                // for all tiles; the partials are then added in group order, so the result does not depend on the threads
                int mk = m * k;
                var partial = BufferPool.Rent(groups * mk);
                try
                {
                    Par.For(groups, 2L * m * k * block * len, (s, e) =>
                    {
                        fixed (float* xp0 = xp, dy0 = dyp, part0 = partial)
                        fixed (int* off0 = off)
                            for (int grp = s; grp < e; grp++)
                            {
                                int i0 = grp * block;
                                GradientTiles(Math.Min(block, n - i0), len, xp0 + (long)i0 * img, img, dy0 + (long)i0 * dyImg + dyBase, dyPlane, dyImg,
                                    off0, m, k, 0, colTiles, part0 + (long)grp * mk, accumulate: false, avx512);
                            }
                    });
                    Par.For(mk, 2L * groups, (s, e) =>
                    {
                        var dst = gw.AsSpan(s, e - s);
                        partial.AsSpan(s, e - s).CopyTo(dst);
                        for (int grp = 1; grp < groups; grp++) Elementwise.AddInPlace(dst, partial.AsSpan(grp * mk + s, e - s));
                    });
                }
                finally { BufferPool.Return(partial); }
                return;
            }
            Par.For(colTiles, 2L * m * DC * n * len, (s, e) =>
            {
                fixed (float* xp0 = xp, dy0 = dyp, gw0 = gw)
                fixed (int* off0 = off)
                {
                    for (int i0 = 0; i0 < n; i0 += block)
                        GradientTiles(Math.Min(block, n - i0), len, xp0 + (long)i0 * img, img, dy0 + (long)i0 * dyImg + dyBase, dyPlane, dyImg,
                            off0, m, k, s, e, gw0, accumulate: i0 > 0, avx512);
                }
            });
        }
        finally
        {
            if (own) BufferPool.Return(dyp);
            ArrayPool<int>.Shared.Return(off);
        }
    }

    /// <summary>Weight-gradient tiles t0..t1 (DC columns each, all rows) over <paramref name="count"/> images from xb
    /// and db, into gw (added to it when <paramref name="accumulate"/>).</summary>
    static void GradientTiles(int count, int len, float* xb, int img, float* db, int dyPlane, int dyImg, int* off0, int m, int k,
        int t0, int t1, float* gw0, bool accumulate, bool avx512)
    {
        for (int t = t0; t < t1; t++)
        {
            int p0 = t * DC, pn = Math.Min(DC, k - p0);
            for (int r0 = 0; r0 < m; r0 += DR)
            {
                int rn = Math.Min(DR, m - r0);
                float* a = db + (long)r0 * dyPlane, d = gw0 + r0 * k + p0;
                if (rn == DR && pn == DC && avx512)
                    Dot4x6(count, len, a, dyPlane, dyImg, xb, img, off0 + p0, d, k, accumulate);
                else if (rn == DR && pn == DC)
                {
                    Dot2x6Avx2(count, len, a, dyPlane, dyImg, xb, img, off0 + p0, d, k, accumulate);
                    Dot2x6Avx2(count, len, a + 2L * dyPlane, dyPlane, dyImg, xb, img, off0 + p0, d + 2 * k, k, accumulate);
                }
                else
                {
                    int q0 = 0;
                    if (rn == DR && pn >= DR)
                    {
                        if (avx512) Dot4x4(count, len, a, dyPlane, dyImg, xb, img, off0 + p0, d, k, accumulate);
                        else
                        {
                            Dot2x4Avx2(count, len, a, dyPlane, dyImg, xb, img, off0 + p0, d, k, accumulate);
                            Dot2x4Avx2(count, len, a + 2L * dyPlane, dyPlane, dyImg, xb, img, off0 + p0, d + 2 * k, k, accumulate);
                        }
                        q0 = DR;
                    }
                    for (int r = 0; r < rn; r++)
                        for (int q = q0; q < pn; q++)
                        {
                            float v = avx512 ? Dot(count, len, a + (long)r * dyPlane, dyImg, xb + off0[p0 + q], img)
                                             : DotAvx2(count, len, a + (long)r * dyPlane, dyImg, xb + off0[p0 + q], img);
                            float* dq = d + r * k + q;
                            *dq = accumulate ? *dq + v : v;
                        }
                }
            }
        }
    }

    /// <summary>Copies every image into its zero-padded planes and zeroes the slack after the last one.</summary>
    public static void PadImages(float[] x, int n, in ConvGeometry g, float[] xp)
    {
        int img = PaddedImage(g), inImage = g.C * g.H * g.W;
        var geo = g;
        Par.For(n, img, (s, e) =>
        {
            fixed (float* x0 = x, xp0 = xp)
                for (int im = s; im < e; im++) PadImage(x0 + (long)im * inImage, xp0 + (long)im * img, geo);
        });
        ClearSlack(xp, n, g);
    }

    /// <summary>One image [C, H, W] onto its grid (<see cref="GridWidth"/>): for stride 1, per channel PW zeros,
    /// PH zero rows, each image row followed by PW zeros, PH zero rows; padded element (Y, X) then sits at
    /// Y·(W + PW) + X, every padding cell reading a zero. For stride 2 the four phases of each padded plane.
    /// Rows are short (8–32 floats), so each is written with vector stores and one masked store for its tail and
    /// padding (<see cref="PadRow"/>): per-row span slicing cost as much as the copy itself. Each layout asks for the next channel's plane
    /// while it copies one (the input comes from L3 or memory): measured at batch 256 on 2 threads (JIT tiering
    /// off, two runs each), the copies of a 16→16 32×32 layer took 0.69–0.71 ms of thread time against 1.06–1.13,
    /// the layer 3.5–3.6 ms against 3.7; a 16→32 stride-2 layer 2.3 against 2.7, and a 1×1 stride-2 one 0.70
    /// against 1.27; with Winograd's prefetch too, ResNet-20's inference 60.4–62.4 ms against 62.6–63.2 (rounds
    /// interleaved in one process, three sets).</summary>
    internal static void PadImage(float* src, float* dst, in ConvGeometry g, bool forwardOnly = false)
    {
        if (g.SH != 1) { PhaseImage(src, dst, g, forwardOnly); return; }
        if (ColumnShifted(g)) { ShiftedImage(src, dst, g); return; }
        int hp = g.H + 2 * g.PH, wp = g.W + g.PW, h = g.H, w = g.W, ph = g.PH, pw = g.PW;
        for (int c = 0; c < g.C; c++, dst += pw + hp * wp)
        {
            Prefetch(src + h * w, h * w);
            new Span<float>(dst, pw + ph * wp).Clear();
            float* row = dst + pw + ph * wp;
            for (int y = 0; y < h; y++, row += wp, src += w) PadRow(src, row, w, wp);
            new Span<float>(row, ph * wp).Clear();
        }
    }

    /// <summary>The w floats of src then wp − w zeros: whole vectors, then one masked load and store for the rest of the
    /// row and its padding, none past it (the next image's grid may be another thread's). Against a memory copy per row
    /// and the zeros one by one, 16 channels of 32×32 on one thread, the two interleaved: 3.2–3.5 µs per image against
    /// 5.4–5.7 (a copy of the same 64 KiB without padding took 1.9–2.2). Without AVX-512, that copy and the zeros.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void PadRow(float* src, float* row, int w, int wp)
    {
        if (!Avx512F.IsSupported)
        {
            Buffer.MemoryCopy(src, row, (long)w * sizeof(float), (long)w * sizeof(float));
            for (int z = w; z < wp; z++) row[z] = 0f;
            return;
        }
        int q = 0;
        for (; q + 16 <= w; q += 16) Vector512.Store(Vector512.Load(src + q), row + q);
        for (; q < wp; q += 16)
        {
            var lane = Vector512<int>.Indices;
            var data = Vector512.LessThan(lane, Vector512.Create(w - q)).AsSingle();
            var cells = Vector512.LessThan(lane, Vector512.Create(wp - q)).AsSingle();
            Avx512F.MaskStore(row + q, cells, Avx512F.MaskLoad(src + q, data, Vector512<float>.Zero));
        }
    }

    /// <summary>Phase (a, b) of channel c holds padded element (2i + a, 2j + b) at row i, column j: each image row
    /// is split into its even and odd columns with vector shuffles, straight into the two phases of its row
    /// parity; padding cells, and phases no tap reads (all but (0, 0) for a 1×1 window), are zero, since the
    /// wrapped columns of the weight gradient multiply them by zero, which garbage (NaN) would spoil; a grid only
    /// the forward pass reads (<paramref name="forwardOnly"/>) leaves them as they were, since the forward pass reads
    /// them only into wrapped columns it drops (ResNet-20's 1×1 shortcuts wrote three zeros per value copied). Against
    /// the former gather through a table of source offsets (one scalar load and store per cell), measured in
    /// ResNet-20's inference at batch 256 and 2 threads (one profile each): its 16→32 stride-2 layer 2.7–3.1 ms
    /// against 4.3, its two 1×1 stride-2 layers 2.6–2.7 ms against 3.4.</summary>
    static void PhaseImage(float* src, float* dst, in ConvGeometry g, bool forwardOnly)
    {
        int hq = GridHeight(g), wq = GridWidth(g), plane = hq * wq, h = g.H, w = g.W;
        bool oddRows = g.KH > 1 && g.DH % 2 == 1, oddColumns = g.KW > 1 && g.DW % 2 == 1;
        var split = new RowSplit(w, g.PW);
        for (int c = 0; c < g.C; c++, src += h * w, dst += 4 * plane)
        {
            Prefetch(src + h * w, h * w);
            for (int a = 0; a < 2; a++)
            {
                if (a == 1 && !oddRows)
                {
                    if (!forwardOnly) new Span<float>(dst + 2 * plane, 2 * plane).Clear();
                    continue;
                }
                float* p0 = dst + 2 * a * plane, p1 = p0 + plane;
                for (int i = 0; i < hq; i++)
                {
                    int y = 2 * i + a - g.PH;
                    if ((uint)y < (uint)h) split.Split(src + y * w, p0 + i * wq, p1 + i * wq, wq);
                    else
                    {
                        new Span<float>(p0 + i * wq, wq).Clear();
                        new Span<float>(p1 + i * wq, wq).Clear();
                    }
                }
                if (!oddColumns && !forwardOnly) new Span<float>(p1, plane).Clear();
            }
        }
    }

    /// <summary>How an image row W wide, padded by PW zeros on each side, splits into its two column phases, each
    /// some width wide: phase0[k] = padded column 2k, phase1[k] = padded column 2k + 1 (input column 2k + b − PW,
    /// zero outside the row). Made once per image by the stride-2 grids and once per layer by the Winograd
    /// convolution's phase planes, and used for every row (a helper that redid this arithmetic for every row made
    /// the copies 7–9 % slower).</summary>
    internal readonly struct RowSplit
    {
        // even input columns land in phase bE = PW mod 2 from column kE, odd ones in the other phase from column kO
        readonly int w, bE, kE, kO, nE, nO;

        public RowSplit(int w, int pw)
        {
            this.w = w; bE = pw & 1; kE = (pw - bE) / 2; kO = (pw + bE) / 2; nE = (w + 1) / 2; nO = w / 2;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Split(float* src, float* phase0, float* phase1, int width)
        {
            float* even = bE == 0 ? phase0 : phase1, odd = bE == 0 ? phase1 : phase0;
            for (int k = 0; k < kE; k++) even[k] = 0f;
            for (int k = kE + nE; k < width; k++) even[k] = 0f;
            for (int k = 0; k < kO; k++) odd[k] = 0f;
            for (int k = kO + nO; k < width; k++) odd[k] = 0f;
            Deinterleave(src, w, even + kE, odd + kO);
        }
    }

    /// <summary>Asks for the cache lines of p[0..floats] in L1 (a hint: no fault past an array's end).</summary>
    internal static void Prefetch(float* p, int floats)
    {
        if (!Sse.IsSupported) return;
        for (int i = 0; i < floats; i += 16) Sse.Prefetch0(p + i);
    }

    /// <summary>even[t] = s[2t], odd[t] = s[2t + 1] for the w floats of s: 16 at a time, then 8, with vector
    /// shuffles.</summary>
    static void Deinterleave(float* s, int w, float* even, float* odd)
    {
        int t = 0;
        if (Avx2.IsSupported)
        {
            for (; 2 * t + 16 <= w; t += 8)
            {
                var v0 = Avx.LoadVector256(s + 2 * t);
                var v1 = Avx.LoadVector256(s + 2 * t + 8);
                // per 128-bit lane (s0 s2 | s8 s10) and (s1 s3 | s9 s11); then the 64-bit pairs back in order
                var e = Avx.Shuffle(v0, v1, 0b10_00_10_00).AsDouble();
                var o = Avx.Shuffle(v0, v1, 0b11_01_11_01).AsDouble();
                Avx.Store(even + t, Avx2.Permute4x64(e, 0b11_01_10_00).AsSingle());
                Avx.Store(odd + t, Avx2.Permute4x64(o, 0b11_01_10_00).AsSingle());
            }
            if (2 * t + 8 <= w)
            {
                var v = Avx.LoadVector256(s + 2 * t);
                // (s0 s2 s0 s2 | s4 s6 s4 s6): 64-bit pairs 0 and 2 are the four even columns
                var e = Avx.Shuffle(v, v, 0b10_00_10_00).AsDouble();
                var o = Avx.Shuffle(v, v, 0b11_01_11_01).AsDouble();
                Avx2.Permute4x64(e, 0b10_00).AsSingle().GetLower().Store(even + t);
                Avx2.Permute4x64(o, 0b10_00).AsSingle().GetLower().Store(odd + t);
                t += 4;
            }
        }
        for (; 2 * t < w; t++)
        {
            even[t] = s[2 * t];
            if (2 * t + 1 < w) odd[t] = s[2 * t + 1];
        }
    }

    /// <summary>Copy kj of channel c holds padded element (y, x + kj·DW) at row y, column x &lt; OW.</summary>
    static void ShiftedImage(float* src, float* dst, in ConvGeometry g)
    {
        int hp = g.H + 2 * g.PH, ow = g.OW, h = g.H, w = g.W;
        for (int c = 0; c < g.C; c++, src += h * w)
        {
            Prefetch(src + h * w, h * w);
            for (int kj = 0; kj < g.KW; kj++)
                for (int y = 0; y < hp; y++, dst += ow)
                {
                    int sy = y - g.PH;
                    if (sy < 0 || sy >= h) { new Span<float>(dst, ow).Clear(); continue; }
                    float* row = src + sy * w;
                    // source column x + kj·DW − PW: copy the run inside the image, zero the pad cells around it
                    int shift = kj * g.DW - g.PW, x0 = Math.Clamp(-shift, 0, ow), x1 = Math.Clamp(w - shift, x0, ow);
                    for (int x = 0; x < x0; x++) dst[x] = 0f;
                    Buffer.MemoryCopy(row + x0 + shift, dst + x0, (long)(x1 - x0) * sizeof(float), (long)(x1 - x0) * sizeof(float));
                    for (int x = x1; x < ow; x++) dst[x] = 0f;
                }
        }
    }

    /// <summary>off[(c·KH + ki)·KW + kj] = where tap (c, ki, kj) of output grid column 0 lies in the image's grid.</summary>
    static void TapOffsets(in ConvGeometry g, int[] off)
    {
        int wp = GridWidth(g), plane = GridHeight(g) * wp, channel = ChannelFloats(g), s = g.SH;
        bool shifted = ColumnShifted(g);
        for (int c = 0, q = 0; c < g.C; c++)
            for (int i = 0; i < g.KH; i++)
                for (int j = 0; j < g.KW; j++)
                {
                    int di = i * g.DH, dj = j * g.DW;
                    // stride 2: the tap reads phase (di mod 2, dj mod 2), shifted by (di / 2, dj / 2) within it
                    off[q++] = s != 1 ? c * channel + (di % 2 * 2 + dj % 2) * plane + di / 2 * wp + dj / 2
                        : shifted ? c * channel + j * plane + di * wp
                        : c * channel + di * wp + dj;
                }
    }

    /// <summary>Copies the valid OW columns of every grid row of one image's output [M, OH·Wp] (the wrapped
    /// columns dropped) into [M, OH, OW] (+ bias, + a residual of the output's shape, then ReLU when fused: a residual
    /// block's tail with its batch norm folded into the weights). The kernels store whole vectors into this grid from their
    /// registers; writing each tile's short runs straight into the output instead (masked stores through a
    /// stack tile) cost a third of a 16-channel 32×32 layer's time.</summary>
    static void StoreImage(float* grid, int ldg, int m, int wp, int oh, int ow, float* dst, float* bias, bool relu, float* residual)
    {
        var floor = relu ? Vector512<float>.Zero : Vector512.Create(float.NegativeInfinity);
        for (int r = 0; r < m; r++)
        {
            var b = Vector512.Create(bias == null ? 0f : bias[r]);
            float* src = grid + (long)r * ldg;
            for (int y = 0; y < oh; y++, src += wp, dst += ow, residual += residual == null ? 0 : ow)
            {
                int q = 0;
                for (; q + 16 <= ow; q += 16)
                {
                    var v = Vector512.Load(src + q) + b;
                    if (residual != null) v += Vector512.Load(residual + q);
                    Vector512.Store(Vector512.Max(v, floor), dst + q);
                }
                if (q < ow)
                {
                    var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(ow - q)).AsSingle();
                    var v = Vector512.Load(src + q) + b;
                    if (residual != null) v += Avx512F.MaskLoad(residual + q, mask, Vector512<float>.Zero);
                    Avx512F.MaskStore(dst + q, mask, Vector512.Max(v, floor));
                }
            }
        }
    }

    /// <summary><see cref="StoreImage"/> followed by a 2×2 stride-2 max pooling (floor mode), without writing the
    /// full-resolution output: each pair of grid rows is reduced to its maximum, then adjacent columns (split into
    /// even and odd in registers), + bias, then ReLU (which commutes with the maximum). Vector256 on every machine:
    /// 16 grid columns give 8 pooled ones; the rest of a row is finished one column at a time, so no read passes
    /// the row's 2·⌊OW/2⌋ columns by more than the vector (within the grid row of width Wp ≥ OW).</summary>
    static void StoreImagePooled(float* grid, int ldg, int m, int wp, int oh, int ow, float* dst, float* bias, bool relu)
    {
        int ph = oh / 2, pw = ow / 2;
        var floor = relu ? Vector256<float>.Zero : Vector256.Create(float.NegativeInfinity);
        for (int r = 0; r < m; r++)
        {
            float bs = bias == null ? 0f : bias[r];
            var b = Vector256.Create(bs);
            for (int py = 0; py < ph; py++, dst += pw)
            {
                float* top = grid + (long)r * ldg + 2 * py * wp, bottom = top + wp;
                int q = 0;
                for (; q + 8 <= pw; q += 8)
                {
                    var lo = Vector256.Max(Vector256.Load(top + 2 * q), Vector256.Load(bottom + 2 * q));
                    var hi = Vector256.Max(Vector256.Load(top + 2 * q + 8), Vector256.Load(bottom + 2 * q + 8));
                    // within 128-bit lanes: evens lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6, odds likewise; the 64-bit pairs reordered
                    var even = Avx2.Permute4x64(Avx.Shuffle(lo, hi, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();
                    var odd = Avx2.Permute4x64(Avx.Shuffle(lo, hi, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle();
                    Vector256.Max(Vector256.Max(even, odd) + b, floor).Store(dst + q);
                }
                for (; q < pw; q++)
                {
                    float v = MathF.Max(MathF.Max(top[2 * q], top[2 * q + 1]), MathF.Max(bottom[2 * q], bottom[2 * q + 1])) + bs;
                    dst[q] = relu ? MathF.Max(v, 0f) : v;
                }
            }
        }
    }

    /// <summary>d[8 rows × 32] (+)= panel · B, rows ldd apart, where row p of B starts at b + off[p] (the shifted grid).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Kernel8x32(int kc, float* a, float* b, int* off, float* d, int ldd, bool accumulate)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            float* bp = b + off[p];
            var b0 = Vector512.Load(bp);
            var b1 = Vector512.Load(bp + 16);
            var av = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(av, b0, c00); c01 = Vector512.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(av, b0, c10); c11 = Vector512.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(av, b0, c20); c21 = Vector512.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(av, b0, c30); c31 = Vector512.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(av, b0, c40); c41 = Vector512.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(av, b0, c50); c51 = Vector512.FusedMultiplyAdd(av, b1, c51);
            av = Vector512.Create(a[6]); c60 = Vector512.FusedMultiplyAdd(av, b0, c60); c61 = Vector512.FusedMultiplyAdd(av, b1, c61);
            av = Vector512.Create(a[7]); c70 = Vector512.FusedMultiplyAdd(av, b0, c70); c71 = Vector512.FusedMultiplyAdd(av, b1, c71);
            a += MR;
        }
        Store(d, c00, c01, accumulate); d += ldd;
        Store(d, c10, c11, accumulate); d += ldd;
        Store(d, c20, c21, accumulate); d += ldd;
        Store(d, c30, c31, accumulate); d += ldd;
        Store(d, c40, c41, accumulate); d += ldd;
        Store(d, c50, c51, accumulate); d += ldd;
        Store(d, c60, c61, accumulate); d += ldd;
        Store(d, c70, c71, accumulate);
    }

    /// <summary>The last tile of a short grid (e.g. 8×10 columns for an 8×8 plane): 16 columns instead of 32 wasted ones.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Kernel8x16(int kc, float* a, float* b, int* off, float* d, int ldd, bool accumulate)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b + off[p]);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[1]), b0, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[2]), b0, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[3]), b0, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a[4]), b0, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a[5]), b0, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a[6]), b0, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a[7]), b0, c7);
            a += MR;
        }
        Store16(d, c0, accumulate); Store16(d + ldd, c1, accumulate); Store16(d + 2 * ldd, c2, accumulate); Store16(d + 3 * ldd, c3, accumulate);
        Store16(d + 4 * ldd, c4, accumulate); Store16(d + 5 * ldd, c5, accumulate); Store16(d + 6 * ldd, c6, accumulate); Store16(d + 7 * ldd, c7, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store16(float* d, Vector512<float> x, bool accumulate) => Vector512.Store(accumulate ? x + Vector512.Load(d) : x, d);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store(float* d, Vector512<float> x0, Vector512<float> x1, bool accumulate)
    {
        if (accumulate) { x0 += Vector512.Load(d); x1 += Vector512.Load(d + 16); }
        Vector512.Store(x0, d);
        Vector512.Store(x1, d + 16);
    }

    /// <summary>gw[r, q] (+)= Σ over count images and len columns of (a + r·lda)·(b + off[q]), for a 4×4 block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Dot4x4(int count, int len, float* a, int lda, int aImage, float* b, int bImage, int* off, float* gw, int ldg, bool accumulate)
    {
        Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default;
        Vector512<float> s20 = default, s21 = default, s22 = default, s23 = default, s30 = default, s31 = default, s32 = default, s33 = default;
        int o0 = off[0], o1 = off[1], o2 = off[2], o3 = off[3];
        for (int im = 0; im < count; im++, a += aImage, b += bImage)
        {
            float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
            float* b0p = b + o0, b1p = b + o1, b2p = b + o2, b3p = b + o3;
            for (int j = 0; j < len; j += 16)
            {
                var b0 = Vector512.Load(b0p + j); var b1 = Vector512.Load(b1p + j);
                var b2 = Vector512.Load(b2p + j); var b3 = Vector512.Load(b3p + j);
                var av = Vector512.Load(a0 + j);
                s00 = Vector512.FusedMultiplyAdd(av, b0, s00); s01 = Vector512.FusedMultiplyAdd(av, b1, s01);
                s02 = Vector512.FusedMultiplyAdd(av, b2, s02); s03 = Vector512.FusedMultiplyAdd(av, b3, s03);
                av = Vector512.Load(a1 + j);
                s10 = Vector512.FusedMultiplyAdd(av, b0, s10); s11 = Vector512.FusedMultiplyAdd(av, b1, s11);
                s12 = Vector512.FusedMultiplyAdd(av, b2, s12); s13 = Vector512.FusedMultiplyAdd(av, b3, s13);
                av = Vector512.Load(a2 + j);
                s20 = Vector512.FusedMultiplyAdd(av, b0, s20); s21 = Vector512.FusedMultiplyAdd(av, b1, s21);
                s22 = Vector512.FusedMultiplyAdd(av, b2, s22); s23 = Vector512.FusedMultiplyAdd(av, b3, s23);
                av = Vector512.Load(a3 + j);
                s30 = Vector512.FusedMultiplyAdd(av, b0, s30); s31 = Vector512.FusedMultiplyAdd(av, b1, s31);
                s32 = Vector512.FusedMultiplyAdd(av, b2, s32); s33 = Vector512.FusedMultiplyAdd(av, b3, s33);
            }
        }
        Put(gw, s00, s01, s02, s03, accumulate); gw += ldg;
        Put(gw, s10, s11, s12, s13, accumulate); gw += ldg;
        Put(gw, s20, s21, s22, s23, accumulate); gw += ldg;
        Put(gw, s30, s31, s32, s33, accumulate);
    }

    /// <summary>gw[r, q] (+)= Σ over count images and len columns of (a + r·lda)·(b + off[q]), for a 4×6 block:
    /// the four output-gradient rows stay in registers while the six tap rows stream past them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Dot4x6(int count, int len, float* a, int lda, int aImage, float* b, int bImage, int* off, float* gw, int ldg, bool accumulate)
    {
        Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default, s04 = default, s05 = default;
        Vector512<float> s10 = default, s11 = default, s12 = default, s13 = default, s14 = default, s15 = default;
        Vector512<float> s20 = default, s21 = default, s22 = default, s23 = default, s24 = default, s25 = default;
        Vector512<float> s30 = default, s31 = default, s32 = default, s33 = default, s34 = default, s35 = default;
        int o0 = off[0], o1 = off[1], o2 = off[2], o3 = off[3], o4 = off[4], o5 = off[5];
        for (int im = 0; im < count; im++, a += aImage, b += bImage)
        {
            float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
            for (int j = 0; j < len; j += 16)
            {
                var x0 = Vector512.Load(a0 + j); var x1 = Vector512.Load(a1 + j);
                var x2 = Vector512.Load(a2 + j); var x3 = Vector512.Load(a3 + j);
                float* bj = b + j;
                var bv = Vector512.Load(bj + o0);
                s00 = Vector512.FusedMultiplyAdd(x0, bv, s00); s10 = Vector512.FusedMultiplyAdd(x1, bv, s10);
                s20 = Vector512.FusedMultiplyAdd(x2, bv, s20); s30 = Vector512.FusedMultiplyAdd(x3, bv, s30);
                bv = Vector512.Load(bj + o1);
                s01 = Vector512.FusedMultiplyAdd(x0, bv, s01); s11 = Vector512.FusedMultiplyAdd(x1, bv, s11);
                s21 = Vector512.FusedMultiplyAdd(x2, bv, s21); s31 = Vector512.FusedMultiplyAdd(x3, bv, s31);
                bv = Vector512.Load(bj + o2);
                s02 = Vector512.FusedMultiplyAdd(x0, bv, s02); s12 = Vector512.FusedMultiplyAdd(x1, bv, s12);
                s22 = Vector512.FusedMultiplyAdd(x2, bv, s22); s32 = Vector512.FusedMultiplyAdd(x3, bv, s32);
                bv = Vector512.Load(bj + o3);
                s03 = Vector512.FusedMultiplyAdd(x0, bv, s03); s13 = Vector512.FusedMultiplyAdd(x1, bv, s13);
                s23 = Vector512.FusedMultiplyAdd(x2, bv, s23); s33 = Vector512.FusedMultiplyAdd(x3, bv, s33);
                bv = Vector512.Load(bj + o4);
                s04 = Vector512.FusedMultiplyAdd(x0, bv, s04); s14 = Vector512.FusedMultiplyAdd(x1, bv, s14);
                s24 = Vector512.FusedMultiplyAdd(x2, bv, s24); s34 = Vector512.FusedMultiplyAdd(x3, bv, s34);
                bv = Vector512.Load(bj + o5);
                s05 = Vector512.FusedMultiplyAdd(x0, bv, s05); s15 = Vector512.FusedMultiplyAdd(x1, bv, s15);
                s25 = Vector512.FusedMultiplyAdd(x2, bv, s25); s35 = Vector512.FusedMultiplyAdd(x3, bv, s35);
            }
        }
        Put(gw, s00, s01, s02, s03, accumulate);
        Put(gw + ldg, s10, s11, s12, s13, accumulate);
        Put(gw + 2 * ldg, s20, s21, s22, s23, accumulate);
        Put(gw + 3 * ldg, s30, s31, s32, s33, accumulate);
        Put2x2(gw + 4, ldg, s04, s05, s14, s15, accumulate);
        Put2x2(gw + 2 * ldg + 4, ldg, s24, s25, s34, s35, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Put(float* d, Vector512<float> x0, Vector512<float> x1, Vector512<float> x2, Vector512<float> x3, bool accumulate)
    {
        var v = Reduce4(x0, x1, x2, x3);
        Vector128.Store(accumulate ? v + Vector128.Load(d) : v, d);
    }

    /// <summary>Columns 4 and 5 of two tile rows d and d + ldg: (x0, x1) belong to the first row, (x2, x3) to the second.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Put2x2(float* d, int ldg, Vector512<float> x0, Vector512<float> x1, Vector512<float> x2, Vector512<float> x3, bool accumulate)
    {
        var v = Reduce4(x0, x1, x2, x3);
        float* e = d + ldg;
        if (accumulate) { d[0] += v[0]; d[1] += v[1]; e[0] += v[2]; e[1] += v[3]; }
        else { d[0] = v[0]; d[1] = v[1]; e[0] = v[2]; e[1] = v[3]; }
    }

    /// <summary>The four horizontal sums (Σ x0, Σ x1, Σ x2, Σ x3) in one vector: halves added, then a horizontal-add
    /// transpose, so four sums cost about a dozen instructions. The summation order is fixed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector128<float> Reduce4(Vector512<float> x0, Vector512<float> x1, Vector512<float> x2, Vector512<float> x3)
    {
        var y0 = x0.GetLower() + x0.GetUpper();
        var y1 = x1.GetLower() + x1.GetUpper();
        var y2 = x2.GetLower() + x2.GetUpper();
        var y3 = x3.GetLower() + x3.GetUpper();
        var h = Avx.HorizontalAdd(Avx.HorizontalAdd(y0, y1), Avx.HorizontalAdd(y2, y3));
        return h.GetLower() + h.GetUpper();
    }

    /// <summary>Σ over count images and len columns of a·b (edge elements of the weight gradient).</summary>
    static float Dot(int count, int len, float* a, int aImage, float* b, int bImage)
    {
        var s = Vector512<float>.Zero;
        for (int im = 0; im < count; im++, a += aImage, b += bImage)
            for (int j = 0; j < len; j += 16) s = Vector512.FusedMultiplyAdd(Vector512.Load(a + j), Vector512.Load(b + j), s);
        return Vector512.Sum(s);
    }
}
