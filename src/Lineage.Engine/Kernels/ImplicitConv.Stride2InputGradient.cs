namespace Lineage.Engine.Kernels;

internal static unsafe partial class ImplicitConv
{
    /// <summary>
    /// The input gradient of a stride-2 convolution (a transposed convolution) as four implicit GEMMs, one per
    /// phase of the padded input. Padded element (2i + a, 2j + b) receives w[o, c, ki, kj]·dy[o, i − ⌊ki·DH/2⌋,
    /// j − ⌊kj·DW/2⌋] from exactly the taps with ki·DH ≡ a and kj·DW ≡ b (mod 2), so each phase is a stride-1
    /// correlation of the output gradient with those taps. The output gradient is laid once per image on a
    /// grid with QH zero rows above and QW zero columns left of it (the largest backward shifts); tap offsets
    /// count back from there. Each phase's grid is then scattered into every other row and column of dx.
    /// Every dx element comes from one micro-kernel call in a fixed tap order, so results do not depend on
    /// the thread count. g is the forward geometry (stride 2); dy is [n, Cout, OH, OW], dx [n, C, H, W].
    /// </summary>
    public static void Stride2InputGradient(float[] dy, int n, in ConvGeometry g, float[] w, int cout, float[] dx)
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
            bool emptyPhase = phases.Any(p => p.K == 0);
            int outImage = cout * g.OH * g.OW, inImage = cin * g.H * g.W;
            Par.For(n, 2L * cin * g.ColRows * cols, (s, e) =>
            {
                var pad = BufferPool.Rent(dyImage + slack);
                var grid = BufferPool.Rent((cin + MR - 1) / MR * MR * ldg);
                try
                {
                    pad.AsSpan(dyImage, slack).Clear();
                    fixed (float* dy0 = dy, dx0 = dx, pad0 = pad, grid0 = grid)
                        for (int im = s; im < e; im++)
                        {
                            LayGradient(dy0 + (long)im * outImage, pad0, cout, geo.OH, geo.OW, qh, qw, hq, wd);
                            // phases without taps (a 1×1 window reads only phase (0, 0)) receive nothing
                            if (emptyPhase) new Span<float>(dx0 + (long)im * inImage, inImage).Clear();
                            for (int p = 0; p < 4; p++)
                            {
                                var (k, panels, off) = phases[p];
                                if (k == 0) continue;
                                fixed (float* w0 = panels)
                                fixed (int* off0 = off)
                                    ComputeImage(pad0, cin, k, cols, off0, w0, grid0, ldg, avx512);
                                ScatterPhase(grid0, ldg, wd, p / 2, p % 2, geo, dx0 + (long)im * inImage);
                            }
                        }
                }
                finally { BufferPool.Return(pad); BufferPool.Return(grid); }
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
        long rowBytes = (long)ow * sizeof(float);
        for (int o = 0; o < cout; o++, src += oh * ow, dst += (qh + hq) * wd)
        {
            new Span<float>(dst, (qh + hq) * wd).Clear();
            for (int r = 0; r < oh; r++) Buffer.MemoryCopy(src + r * ow, dst + (qh + r) * wd + qw, rowBytes, rowBytes);
        }
    }

    /// <summary>dx[c, 2i + a − PH, 2j + b − PW] = grid[c, i·wd + j] for every position inside the image.</summary>
    static void ScatterPhase(float* grid, int ldg, int wd, int a, int b, in ConvGeometry g, float* dx)
    {
        int hq = GridHeight(g), wq = GridWidth(g), h = g.H, w = g.W;
        int j0 = Math.Max(0, (g.PW - b + 1) / 2), j1 = Math.Min(wq, (w + g.PW - b + 1) / 2);
        for (int c = 0; c < g.C; c++)
            for (int i = 0; i < hq; i++)
            {
                int y = 2 * i + a - g.PH;
                if (y < 0 || y >= h) continue;
                float* row = dx + ((long)c * h + y) * w;
                float* src = grid + (long)c * ldg + i * wd;
                for (int j = j0; j < j1; j++) row[2 * j + b - g.PW] = src[j];
            }
    }
}
