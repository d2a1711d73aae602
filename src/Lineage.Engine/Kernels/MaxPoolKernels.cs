using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lineage.Engine.Kernels;

/// <summary>
/// Max pooling of planes [planes, H, W] → [planes, OH, OW], with the index of each window's first maximum
/// (NaN wins, as in PyTorch) written only when a gradient will need it. <see cref="Windowed"/> is the plain
/// reference for every kernel, stride and padding; <see cref="TwoByTwo"/> is the 2×2, stride-2, unpadded case
/// every CNN here uses, which the windowed loop ran at about 6 ns per input element (its bounds, spans and
/// per-window clamping cost more than the four comparisons).
/// </summary>
internal static unsafe class MaxPoolKernels
{
    /// <summary>Tests switch this off to run every pooling through <see cref="Windowed"/>.</summary>
    internal static bool FastPathEnabled = true;

    public static bool TwoByTwoApplies((int H, int W) kernel, (int H, int W) stride, (int H, int W) padding)
        => FastPathEnabled && kernel == (2, 2) && stride == (2, 2) && padding == (0, 0);

    /// <summary>Planes p0..p1 of the windowed reference: argmax (may be null) gets the in-plane index of each maximum.</summary>
    public static void Windowed(float* x, float* o, int* argmax, int p0, int p1, int h, int w, int oh, int ow,
        (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding)
    {
        int inPlane = h * w, outPlane = oh * ow;
        for (int p = p0; p < p1; p++)
        {
            float* src = x + (long)p * inPlane;
            long oBase = (long)p * outPlane;
            for (int y = 0; y < oh; y++)
            {
                int hs = y * stride.H - padding.H, he = Math.Min(hs + kernel.H, h); hs = Math.Max(hs, 0);
                for (int xo = 0; xo < ow; xo++)
                {
                    int ws = xo * stride.W - padding.W, we = Math.Min(ws + kernel.W, w); ws = Math.Max(ws, 0);
                    int best = hs * w + ws;
                    float m = src[best];
                    for (int i = hs; i < he; i++)
                        for (int j = ws; j < we; j++)
                        {
                            float v = src[i * w + j];
                            // strict comparison keeps the first maximum; NaN wins as in PyTorch
                            if (v > m || (float.IsNaN(v) && !float.IsNaN(m))) { m = v; best = i * w + j; }
                        }
                    o[oBase + y * ow + xo] = m;
                    if (argmax != null) argmax[oBase + y * ow + xo] = best;
                }
            }
        }
    }

    /// <summary>Planes p0..p1 pooled by 2×2 windows at stride 2 (floor mode: an odd last row or column is dropped),
    /// the same values and indices as <see cref="Windowed"/> (a zero's sign aside: here max(−0, +0) may be +0). Each
    /// window is read in row order a, b / c, d and every choice is a select, not a branch: on real activations the
    /// windowed loop's data-dependent branches mispredicted about half the time (18 ns per output). Without indices
    /// eight windows go at once: the larger of the two rows, then of each even and odd column.</summary>
    public static void TwoByTwo(float* x, float* o, int* argmax, int p0, int p1, int h, int w, int oh, int ow)
    {
        int inPlane = h * w, outPlane = oh * ow;
        bool vector = Avx2.IsSupported;
        for (int p = p0; p < p1; p++)
        {
            float* plane = x + (long)p * inPlane;
            float* dst = o + (long)p * outPlane;
            int* idx = argmax == null ? null : argmax + (long)p * outPlane;
            for (int y = 0; y < oh; y++, dst += ow)
            {
                float* r0 = plane + 2 * y * w, r1 = r0 + w;
                int j = 0;
                if (idx == null)
                {
                    if (vector)
                        for (; j + 8 <= ow; j += 8)
                        {
                            var lo = Vector256.Max(Vector256.Load(r0 + 2 * j), Vector256.Load(r1 + 2 * j));
                            var hi = Vector256.Max(Vector256.Load(r0 + 2 * j + 8), Vector256.Load(r1 + 2 * j + 8));
                            // even and odd columns of lo‖hi, lane-interleaved: [0 1 4 5 | 2 3 6 7] after the max
                            var m = Vector256.Max(Avx.Shuffle(lo, hi, 0b10_00_10_00), Avx.Shuffle(lo, hi, 0b11_01_11_01));
                            Vector256.Store(Avx2.Permute4x64(m.AsDouble(), 0b11_01_10_00).AsSingle(), dst + j);
                        }
                    for (; j < ow; j++)
                        dst[j] = MathF.Max(MathF.Max(r0[2 * j], r0[2 * j + 1]), MathF.Max(r1[2 * j], r1[2 * j + 1]));
                    continue;
                }
                int rowBase = 2 * y * w;
                for (; j < ow; j++)
                {
                    int at = rowBase + 2 * j;
                    float m = r0[2 * j];
                    Take(ref m, ref at, r0[2 * j + 1], at + 1);
                    Take(ref m, ref at, r1[2 * j], rowBase + w + 2 * j);
                    Take(ref m, ref at, r1[2 * j + 1], rowBase + w + 2 * j + 1);
                    dst[j] = m;
                    idx[y * ow + j] = at;
                }
            }
        }
    }

    /// <summary>v replaces the running maximum m if larger, or NaN where m is not (the first NaN stays): selects only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Take(ref float m, ref int at, float v, int index)
    {
        bool wins = v > m | (float.IsNaN(v) & !float.IsNaN(m));
        m = wins ? v : m;
        at = wins ? index : at;
    }
}
