using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Lineage.Engine.Kernels;

/// <summary>
/// The implicit-GEMM forward on machines without AVX-512. The grid, the weight panels (8 rows) and the 8×32 /
/// 8×16 tiles are the AVX-512 kernels' own, so everything around the micro-kernel is shared; only the tile is
/// computed as 4×16 sub-tiles in Vector256 registers (8 accumulators, two B vectors and one broadcast: an 8×16
/// tile's 16 accumulators would not fit AVX2's 16 registers). Without this path an AVX2 machine ran every
/// convolution as im2col + GEMM, copying each image's unfolded 9·C×H·W matrix before multiplying.
/// Only the forward runs here; gradients on such machines still take the im2col path.
/// </summary>
internal static unsafe partial class ImplicitConv
{
    /// <summary>The forward alone applies: the geometry <see cref="Applies"/> takes, on an AVX-512 or an AVX2 (FMA)
    /// machine.</summary>
    public static bool ForwardApplies(in ConvGeometry g, int groups)
        => Enabled && (Gemm.Path == GemmPath.Vector512 || Gemm.Path == GemmPath.Vector256 && Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported)
           && GeometryApplies(g, groups);

    /// <summary>d[8 × 32] (+)= panel · B as four 4×16 sub-tiles.</summary>
    static void Tile8x32Avx2(int kc, float* a, float* b, int* off, float* d, int ldd, bool accumulate)
    {
        Kernel4x16Avx2(kc, a, b, off, d, ldd, accumulate);
        Kernel4x16Avx2(kc, a + 4, b, off, d + 4 * ldd, ldd, accumulate);
        Kernel4x16Avx2(kc, a, b + 16, off, d + 16, ldd, accumulate);
        Kernel4x16Avx2(kc, a + 4, b + 16, off, d + 4 * ldd + 16, ldd, accumulate);
    }

    static void Tile8x16Avx2(int kc, float* a, float* b, int* off, float* d, int ldd, bool accumulate)
    {
        Kernel4x16Avx2(kc, a, b, off, d, ldd, accumulate);
        Kernel4x16Avx2(kc, a + 4, b, off, d + 4 * ldd, ldd, accumulate);
    }

    /// <summary>d[4 rows × 16] (+)= rows 0..3 of an 8-row panel (a steps by MR per k) · B, row p of B at b + off[p].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Kernel4x16Avx2(int kc, float* a, float* b, int* off, float* d, int ldd, bool accumulate)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            float* bp = b + off[p];
            var b0 = Vector256.Load(bp);
            var b1 = Vector256.Load(bp + 8);
            var av = Vector256.Create(a[0]); c00 = Vector256.FusedMultiplyAdd(av, b0, c00); c01 = Vector256.FusedMultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]); c10 = Vector256.FusedMultiplyAdd(av, b0, c10); c11 = Vector256.FusedMultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]); c20 = Vector256.FusedMultiplyAdd(av, b0, c20); c21 = Vector256.FusedMultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]); c30 = Vector256.FusedMultiplyAdd(av, b0, c30); c31 = Vector256.FusedMultiplyAdd(av, b1, c31);
            a += MR;
        }
        Store256(d, c00, c01, accumulate); d += ldd;
        Store256(d, c10, c11, accumulate); d += ldd;
        Store256(d, c20, c21, accumulate); d += ldd;
        Store256(d, c30, c31, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store256(float* d, Vector256<float> x0, Vector256<float> x1, bool accumulate)
    {
        if (accumulate) { x0 += Vector256.Load(d); x1 += Vector256.Load(d + 8); }
        Vector256.Store(x0, d);
        Vector256.Store(x1, d + 8);
    }

    /// <summary><see cref="StoreImage"/> in Vector256 registers: the valid columns of each grid row (+ bias), then
    /// ReLU when fused; the last partial vector of a row is finished one float at a time.</summary>
    static void StoreImageAvx2(float* grid, int ldg, int m, int wp, int oh, int ow, float* dst, float* bias, bool relu)
    {
        for (int r = 0; r < m; r++)
        {
            float bs = bias == null ? 0f : bias[r];
            var b = Vector256.Create(bs);
            float* src = grid + (long)r * ldg;
            for (int y = 0; y < oh; y++, src += wp, dst += ow)
            {
                int q = 0;
                if (relu)
                {
                    for (; q + 8 <= ow; q += 8) Vector256.Store(Vector256.Max(Vector256.Load(src + q) + b, Vector256<float>.Zero), dst + q);
                    for (; q < ow; q++) dst[q] = MathF.Max(src[q] + bs, 0f);
                }
                else
                {
                    for (; q + 8 <= ow; q += 8) Vector256.Store(Vector256.Load(src + q) + b, dst + q);
                    for (; q < ow; q++) dst[q] = src[q] + bs;
                }
            }
        }
    }
}
