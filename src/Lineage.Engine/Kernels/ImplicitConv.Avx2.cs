using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Lineage.Engine.Kernels;

/// <summary>
/// The implicit-GEMM forward on machines without AVX-512. The grid, the weight panels (8 rows) and the 8×32 /
/// 8×16 tiles are the AVX-512 kernels' own, so everything around the micro-kernel is shared; only the tile is
/// computed as 4×16 sub-tiles in Vector256 registers (8 accumulators, two B vectors and one broadcast: an 8×16
/// tile's 16 accumulators would not fit AVX2's 16 registers). Without this path an AVX2 machine ran every
/// convolution as im2col + GEMM, copying each image's unfolded 9·C×H·W matrix before multiplying.
/// The gradients use the same tiles: the input gradient is this forward over the output gradient (stride 1) or
/// per input phase (stride 2), and the weight gradient's 4×6 and 4×4 dot-product blocks run as pairs of 2×6 and 2×4
/// blocks (12 and 8 accumulators; 4×6 would need 24 registers).
/// </summary>
internal static unsafe partial class ImplicitConv
{
    /// <summary>Whether the tiles of the current GEMM path are the AVX-512 ones (else these AVX2 ones).</summary>
    internal static bool Avx512Tiles => Gemm.Path == GemmPath.Vector512;

    /// <summary>The GEMM path has tiles for the implicit convolution: AVX-512, or AVX2 with FMA.</summary>
    internal static bool PathApplies
        => Gemm.Path == GemmPath.Vector512 || Gemm.Path == GemmPath.Vector256 && Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported;

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

    /// <summary><see cref="StoreImage"/> in Vector256 registers: the valid columns of each grid row (+ bias, + residual), then
    /// ReLU when fused; the last partial vector of a row is finished one float at a time.</summary>
    static void StoreImageAvx2(float* grid, int ldg, int m, int wp, int oh, int ow, float* dst, float* bias, bool relu, float* residual)
    {
        for (int r = 0; r < m; r++)
        {
            float bs = bias == null ? 0f : bias[r];
            var b = Vector256.Create(bs);
            float* src = grid + (long)r * ldg;
            for (int y = 0; y < oh; y++, src += wp, dst += ow, residual += residual == null ? 0 : ow)
            {
                int q = 0;
                for (; q + 8 <= ow; q += 8)
                {
                    var v = Vector256.Load(src + q) + b;
                    if (residual != null) v += Vector256.Load(residual + q);
                    Vector256.Store(relu ? Vector256.Max(v, Vector256<float>.Zero) : v, dst + q);
                }
                for (; q < ow; q++)
                {
                    float v = src[q] + bs + (residual != null ? residual[q] : 0f);
                    dst[q] = relu ? MathF.Max(v, 0f) : v;
                }
            }
        }
    }

    /// <summary>gw[r, q] (+)= Σ over count images and len columns of (a + r·lda)·(b + off[q]) for a 2×6 block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Dot2x6Avx2(int count, int len, float* a, int lda, int aImage, float* b, int bImage, int* off, float* gw, int ldg, bool accumulate)
    {
        Vector256<float> s00 = default, s01 = default, s02 = default, s03 = default, s04 = default, s05 = default;
        Vector256<float> s10 = default, s11 = default, s12 = default, s13 = default, s14 = default, s15 = default;
        int o0 = off[0], o1 = off[1], o2 = off[2], o3 = off[3], o4 = off[4], o5 = off[5];
        for (int im = 0; im < count; im++, a += aImage, b += bImage)
        {
            float* a0 = a, a1 = a + lda;
            for (int j = 0; j < len; j += 8)
            {
                var x0 = Vector256.Load(a0 + j); var x1 = Vector256.Load(a1 + j);
                float* bj = b + j;
                var bv = Vector256.Load(bj + o0); s00 = Vector256.FusedMultiplyAdd(x0, bv, s00); s10 = Vector256.FusedMultiplyAdd(x1, bv, s10);
                bv = Vector256.Load(bj + o1); s01 = Vector256.FusedMultiplyAdd(x0, bv, s01); s11 = Vector256.FusedMultiplyAdd(x1, bv, s11);
                bv = Vector256.Load(bj + o2); s02 = Vector256.FusedMultiplyAdd(x0, bv, s02); s12 = Vector256.FusedMultiplyAdd(x1, bv, s12);
                bv = Vector256.Load(bj + o3); s03 = Vector256.FusedMultiplyAdd(x0, bv, s03); s13 = Vector256.FusedMultiplyAdd(x1, bv, s13);
                bv = Vector256.Load(bj + o4); s04 = Vector256.FusedMultiplyAdd(x0, bv, s04); s14 = Vector256.FusedMultiplyAdd(x1, bv, s14);
                bv = Vector256.Load(bj + o5); s05 = Vector256.FusedMultiplyAdd(x0, bv, s05); s15 = Vector256.FusedMultiplyAdd(x1, bv, s15);
            }
        }
        Put(gw, 0, s00, accumulate); Put(gw, 1, s01, accumulate); Put(gw, 2, s02, accumulate);
        Put(gw, 3, s03, accumulate); Put(gw, 4, s04, accumulate); Put(gw, 5, s05, accumulate);
        gw += ldg;
        Put(gw, 0, s10, accumulate); Put(gw, 1, s11, accumulate); Put(gw, 2, s12, accumulate);
        Put(gw, 3, s13, accumulate); Put(gw, 4, s14, accumulate); Put(gw, 5, s15, accumulate);
    }

    /// <summary>gw[r, q] (+)= Σ over count images and len columns of (a + r·lda)·(b + off[q]) for a 2×4 block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Dot2x4Avx2(int count, int len, float* a, int lda, int aImage, float* b, int bImage, int* off, float* gw, int ldg, bool accumulate)
    {
        Vector256<float> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default;
        int o0 = off[0], o1 = off[1], o2 = off[2], o3 = off[3];
        for (int im = 0; im < count; im++, a += aImage, b += bImage)
        {
            float* a0 = a, a1 = a + lda;
            for (int j = 0; j < len; j += 8)
            {
                var x0 = Vector256.Load(a0 + j); var x1 = Vector256.Load(a1 + j);
                float* bj = b + j;
                var bv = Vector256.Load(bj + o0); s00 = Vector256.FusedMultiplyAdd(x0, bv, s00); s10 = Vector256.FusedMultiplyAdd(x1, bv, s10);
                bv = Vector256.Load(bj + o1); s01 = Vector256.FusedMultiplyAdd(x0, bv, s01); s11 = Vector256.FusedMultiplyAdd(x1, bv, s11);
                bv = Vector256.Load(bj + o2); s02 = Vector256.FusedMultiplyAdd(x0, bv, s02); s12 = Vector256.FusedMultiplyAdd(x1, bv, s12);
                bv = Vector256.Load(bj + o3); s03 = Vector256.FusedMultiplyAdd(x0, bv, s03); s13 = Vector256.FusedMultiplyAdd(x1, bv, s13);
            }
        }
        Put(gw, 0, s00, accumulate); Put(gw, 1, s01, accumulate); Put(gw, 2, s02, accumulate); Put(gw, 3, s03, accumulate);
        gw += ldg;
        Put(gw, 0, s10, accumulate); Put(gw, 1, s11, accumulate); Put(gw, 2, s12, accumulate); Put(gw, 3, s13, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Put(float* d, int q, Vector256<float> x, bool accumulate)
    {
        float v = Vector256.Sum(x);
        d[q] = accumulate ? d[q] + v : v;
    }

    /// <summary>Σ over count images and len columns of a·b (edge elements of the weight gradient).</summary>
    static float DotAvx2(int count, int len, float* a, int aImage, float* b, int bImage)
    {
        var s = Vector256<float>.Zero;
        for (int im = 0; im < count; im++, a += aImage, b += bImage)
            for (int j = 0; j < len; j += 8) s = Vector256.FusedMultiplyAdd(Vector256.Load(a + j), Vector256.Load(b + j), s);
        return Vector256.Sum(s);
    }
}
