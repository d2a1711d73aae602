using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lineage.Engine.Kernels;

internal static unsafe partial class ImplicitConv
{
    /// <summary>
    /// The input gradient of a stride-2 convolution (a transposed convolution) as four implicit GEMMs, one per
    /// phase of the padded input. Padded element (2i + a, 2j + b) receives w[o, c, ki, kj]·dy[o, i − ⌊ki·DH/2⌋,
    /// j − ⌊kj·DW/2⌋] from exactly the taps with ki·DH ≡ a and kj·DW ≡ b (mod 2), so each phase is a stride-1
    /// correlation of the output gradient with those taps. The output gradient is laid once per image on a
    /// grid with QH zero rows above and QW zero columns left of it (the largest backward shifts); tap offsets
    /// count back from there. The two column phases of each row phase are then interleaved into that phase's rows of dx.
    /// Every dx element comes from one micro-kernel call in a fixed tap order, so results do not depend on
    /// the thread count. g is the forward geometry (stride 2); dy is [n, Cout, OH, OW], dx [n, C, H, W].
    /// </summary>
    public static void Stride2InputGradient(float[] dy, int n, in ConvGeometry g, float[] w, int cout, float[] dx, bool accumulate = false)
    {
        int hq = GridHeight(g), wq = GridWidth(g), cin = g.C;
        int qh = (g.KH - 1) * g.DH / 2, qw = (g.KW - 1) * g.DW / 2;
        int wd = qw + wq, dyPlane = (qh + hq) * wd, dyImage = cout * dyPlane, slack = qw + 2 * NR;
        int cols = hq * wd, ldg = (cols + NR - 1) / NR * NR, taps = g.KH * g.KW;
        var phases = new (int K, float[] Panels, int[] Offsets)[4];
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++)
            {
                var kis = Taps(g.KH, g.DH, a);
                var kjs = Taps(g.KW, g.DW, b);
                int k = cout * kis.Length * kjs.Length;
                // the phase's weights as a [Cin, K] matrix, staged in a pooled buffer (each backward runs this)
                var wab = BufferPool.Rent(cin * k);
                var off = new int[k];
                for (int o = 0, q = 0; o < cout; o++)
                    foreach (int ki in kis)
                        foreach (int kj in kjs)
                        {
                            for (int c = 0; c < cin; c++) wab[c * k + q] = w[(o * cin + c) * taps + ki * g.KW + kj];
                            off[q++] = o * dyPlane + (qh - ki * g.DH / 2) * wd + qw - kj * g.DW / 2;
                        }
                phases[a * 2 + b] = (k, k > 0 ? PackWeights(wab, cin, k) : [], off);
                BufferPool.Return(wab);
            }
        try
        {
            var geo = g;
            bool avx512 = Avx512Tiles;
            int gridFloats = (cin + MR - 1) / MR * MR * ldg;
            int outImage = cout * g.OH * g.OW, inImage = cin * g.H * g.W;
            Par.For(n, 2L * cin * g.ColRows * cols, (s, e) =>
            {
                var pad = BufferPool.Rent(dyImage + slack);
                // one grid per column phase of a row phase, + 16 floats that the last row's vector loads may read
                var grids = BufferPool.Rent(2 * (gridFloats + 16));
                try
                {
                    pad.AsSpan(dyImage, slack).Clear();
                    fixed (float* dy0 = dy, dx0 = dx, pad0 = pad, grids0 = grids)
                        for (int im = s; im < e; im++)
                        {
                            LayGradient(dy0 + (long)im * outImage, pad0, cout, geo.OH, geo.OW, qh, qw, hq, wd);
                            for (int a = 0; a < 2; a++)
                            {
                                // phases without taps (a 1×1 window reads only phase (0, 0)) receive nothing: null grids read as zeros
                                float* even = null, odd = null;
                                for (int b = 0; b < 2; b++)
                                {
                                    var (k, panels, off) = phases[a * 2 + b];
                                    if (k == 0) continue;
                                    float* grid = grids0 + b * (gridFloats + 16);
                                    fixed (float* w0 = panels)
                                    fixed (int* off0 = off)
                                        ComputeImage(pad0, cin, k, cols, off0, w0, grid, ldg, avx512);
                                    if (b == 0) even = grid; else odd = grid;
                                }
                                InterleavePhases(even, odd, ldg, wd, a, geo, dx0 + (long)im * inImage, avx512, accumulate);
                            }
                        }
                }
                finally { BufferPool.Return(pad); BufferPool.Return(grids); }
            });
        }
        finally
        {
            foreach (var (k, panels, _) in phases) if (k > 0) BufferPool.Return(panels);
        }
    }

    /// <summary>The window positions (0..size) whose dilated offset has the given parity.</summary>
    static int[] Taps(int size, int dilation, int parity)
    {
        var taps = new List<int>();
        for (int t = 0; t < size; t++) if (t * dilation % 2 == parity) taps.Add(t);
        return [.. taps];
    }

    /// <summary>dy planes [Cout, OH, OW] onto the backward grid: row r of a plane at (qh + r)·wd + qw, zeros around.</summary>
    static void LayGradient(float* src, float* dst, int cout, int oh, int ow, int qh, int qw, int hq, int wd)
    {
        for (int o = 0; o < cout; o++, src += oh * ow, dst += (qh + hq) * wd)
        {
            // each cell written once: the rows above, then each row with the zeros after it (its right padding and
            // the next row's left), then what is left below. With no row below (hq = OH), the last row's zeros run
            // QW cells into the next plane, which is written after it, or into the slack.
            new Span<float>(dst, qh * wd + qw).Clear();
            for (int r = 0; r < oh; r++) PadRow(src + r * ow, dst + (qh + r) * wd + qw, ow, wd);
            new Span<float>(dst + (qh + oh) * wd + qw, Math.Max(0, (hq - oh) * wd - qw)).Clear();
        }
    }

    /// <summary>The dx rows of row phase a, y = 2i + a − PH, from the grids of column phases b = 0 and 1 (null: a phase
    /// without taps, all zeros): dx[c, y, x] = grid_b[c, i·wd + j] with x + PW = 2j + b. Along a row the columns
    /// alternate between the two phases, the even columns x = 2t reading one from column ⌊PW/2⌋ + t and the odd ones
    /// the other from ⌈PW/2⌉ + t: the row is the two runs interleaved, 16 + 16 grid values into 32 dx values per vector
    /// shuffle, every dx element written once. The former scatter wrote every other element, one at a time, phase by
    /// phase (after clearing dx for a 1×1 window's empty phases): ResNet-20's stride-2 input gradients at batch 64 on one
    /// thread, the two interleaved, 16→32 channels 1.36 ms against 1.79 and 32→64 1.42 against 1.70; in its training
    /// step on two threads 1.00–1.02 ms against 1.17–1.23 and 1.03–1.06 against 1.16–1.17. With
    /// <paramref name="accumulate"/> the rows are added to what dx holds.</summary>
    static void InterleavePhases(float* even, float* odd, int ldg, int wd, int a, in ConvGeometry g, float* dx, bool avx512, bool accumulate)
    {
        int hq = GridHeight(g), h = g.H, w = g.W;
        // even columns x = 2t come from phase PW mod 2 at column ⌊PW/2⌋ + t, odd ones from the other phase at ⌈PW/2⌉ + t
        float* phaseE = g.PW % 2 == 0 ? even : odd, phaseO = g.PW % 2 == 0 ? odd : even;
        int jE = g.PW / 2, jO = (g.PW + 1) / 2, pairs = w / 2;
        var lowIdx = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        var highIdx = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        for (int c = 0; c < g.C; c++)
            for (int i = 0; i < hq; i++)
            {
                int y = 2 * i + a - g.PH;
                if (y < 0 || y >= h) continue;
                float* row = dx + ((long)c * h + y) * w;
                long at = (long)c * ldg + i * wd;
                float* e = phaseE == null ? null : phaseE + at + jE, o = phaseO == null ? null : phaseO + at + jO;
                int t = 0;
                if (avx512)
                    for (; t + 8 <= pairs; t += t + 16 <= pairs ? 16 : 8)
                    {
                        var ev = e == null ? Vector512<float>.Zero : Vector512.Load(e + t);
                        var ov = o == null ? Vector512<float>.Zero : Vector512.Load(o + t);
                        var low = Avx512F.PermuteVar16x32x2(ev, lowIdx, ov);
                        Vector512.Store(accumulate ? low + Vector512.Load(row + 2 * t) : low, row + 2 * t);
                        if (t + 16 > pairs) continue;
                        var high = Avx512F.PermuteVar16x32x2(ev, highIdx, ov);
                        Vector512.Store(accumulate ? high + Vector512.Load(row + 2 * t + 16) : high, row + 2 * t + 16);
                    }
                for (; t < pairs; t++)
                {
                    float ve = e == null ? 0f : e[t], vo = o == null ? 0f : o[t];
                    row[2 * t] = accumulate ? ve + row[2 * t] : ve;
                    row[2 * t + 1] = accumulate ? vo + row[2 * t + 1] : vo;
                }
                if (w % 2 == 1)
                {
                    float ve = e == null ? 0f : e[pairs];
                    row[w - 1] = accumulate ? ve + row[w - 1] : ve;
                }
            }
    }
}
