using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lineage.Engine.Kernels;

/// <summary>Which micro-kernel the GEMM runs; tests force each one to check every path on one machine.</summary>
internal enum GemmPath { Scalar, Vector256, Vector512 }

/// <summary>
/// Single-precision GEMM entry point used by matmul, linear and convolution (Goto/BLIS scheme).
/// A and B are packed into zero-padded panels (transposes are absorbed by the packing) so the
/// micro-kernel streams both operands with unit stride; an 8×32 tile of C lives in 16 Vector512
/// registers (6×16 in Vector256 registers on AVX2-only machines). Blocking: a KC-deep slice of a
/// row micro-panel of A stays in L1 while the KC×NC B block streams from L2.
/// Threads split C into disjoint row (or column) ranges and every C element is accumulated by one
/// thread in ascending k order, so results do not depend on the thread count.
/// </summary>
internal static unsafe class Gemm
{
    /// <summary>Rows of a micro-tile: 8 with Vector512 (16 accumulators; conv channel counts are multiples of 8), 6 otherwise (12 accumulators fit 16 AVX2 registers).</summary>
    const int MR512 = 8, MR = 6;
    const int KC = 256;
    const int MC = 96;
    const int NC = 512;

    static readonly GemmPath BestPath =
        Vector512.IsHardwareAccelerated ? GemmPath.Vector512 :
        Vector256.IsHardwareAccelerated ? GemmPath.Vector256 : GemmPath.Scalar;

    /// <summary>The micro-kernel in use; tests may lower it to reach the fallbacks.</summary>
    internal static GemmPath Path = BestPath;

    [ThreadStatic] static float[]? packA;
    [ThreadStatic] static float[]? packB;
    /// <summary>The B block that <see cref="SharedB"/> packs for all threads: the calling thread's, so a product
    /// started on another thread meanwhile has its own.</summary>
    [ThreadStatic] static float[]? packShared;

    /// <summary>C = alpha * op(A) * op(B) + beta * C (row-major; see <see cref="GemmReference.Sgemm"/>),
    /// using up to <see cref="EngineSettings.Threads"/> threads. With beta = 0, C is not read.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc)
        => Run(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc, parallel: true);

    /// <summary>As <see cref="Sgemm"/> on the calling thread only: for callers that already run one GEMM per thread
    /// (convolution over a batch).</summary>
    public static void SgemmSerial(bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc)
        => Run(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc, parallel: false);

    static void Run(bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc, bool parallel)
    {
        if (m <= 0 || n <= 0) return;
        if (k <= 0 || alpha == 0)
        {
            for (int i = 0; i < m; i++)
            {
                var row = c.AsSpan(cOffset + i * ldc, n);
                if (beta == 0) row.Clear(); else if (beta != 1) Elementwise.Scale(row, beta);
            }
            return;
        }
        var path = Path;
        int nr = path == GemmPath.Vector512 ? 32 : 16;
        int mr = path == GemmPath.Vector512 ? MR512 : MR;
        int rowTiles = (m + mr - 1) / mr, colTiles = (n + nr - 1) / nr;
        int threads = parallel ? EngineSettings.Threads : 1;
        if (threads <= 1 || (long)m * n * k < 200_000)
        {
            Block(path, mr, nr, transA, transB, 0, m, 0, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
            return;
        }
        // split the dimension with more tiles so every thread gets a near-equal share
        if (rowTiles >= 2 * threads || rowTiles >= colTiles)
            SharedB(path, mr, nr, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
        else
            Par.For(colTiles, (long)nr * m * k, (t0, t1) =>
                Block(path, mr, nr, transA, transB, 0, m, t0 * nr, Math.Min(n, t1 * nr), k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc));
    }

    /// <summary>C split by rows over the threads, with each KC×NC block of B packed once, by all threads together,
    /// before any of them multiplies: when every chunk of rows packed B for itself, B was packed once per chunk
    /// (Par.For makes several chunks per thread), about a tenth of a large product's time.</summary>
    static void SharedB(GemmPath path, int mr, int nr, bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc)
    {
        var pb = packShared;
        if (pb == null || pb.Length < (NC + nr) * KC) packShared = pb = GC.AllocateUninitializedArray<float>((NC + nr) * KC, pinned: true);
        int rowTiles = (m + mr - 1) / mr;
        for (int jc = 0; jc < n; jc += NC)
        {
            int nc = Math.Min(NC, n - jc), panels = (nc + nr - 1) / nr;
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc), jc0 = jc, pc0 = pc;
                float blockBeta = pc == 0 ? beta : 1f;
                Par.For(panels, 2L * nr * kc, (t0, t1) =>
                {
                    fixed (float* b0 = b)
                        PackB(transB, b0 + bOffset, ldb, pc0, kc, jc0 + t0 * nr, Math.Min(nc, t1 * nr) - t0 * nr, nr, (float*)Unsafe.AsPointer(ref pb[0]) + (long)t0 * nr * kc);
                });
                Par.For(rowTiles, (long)mr * nc * kc, (t0, t1) =>
                {
                    fixed (float* a0 = a, c0 = c)
                        MultiplyPackedB(path, mr, nr, transA, t0 * mr, Math.Min(m, t1 * mr), jc0, nc, pc0, kc, alpha, blockBeta,
                            a0 + aOffset, lda, (float*)Unsafe.AsPointer(ref pb[0]), c0 + cOffset, ldc);
                });
            }
        }
    }

    /// <summary>C[i0..i1, j0..j1] on the calling thread.</summary>
    static void Block(GemmPath path, int mrT, int nr, bool transA, bool transB, int i0, int i1, int j0, int j1, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc)
    {
        int needB = (NC + nr) * KC;
        var pb = packB; if (pb == null || pb.Length < needB) packB = pb = GC.AllocateUninitializedArray<float>(needB, pinned: true);
        float* bp = (float*)Unsafe.AsPointer(ref pb[0]);
        fixed (float* a0 = a, b0 = b, c0 = c)
        {
            float* aBase = a0 + aOffset, bBase = b0 + bOffset, cBase = c0 + cOffset;
            for (int jc = j0; jc < j1; jc += NC)
            {
                int nc = Math.Min(NC, j1 - jc);
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    PackB(transB, bBase, ldb, pc, kc, jc, nc, nr, bp);
                    MultiplyPackedB(path, mrT, nr, transA, i0, i1, jc, nc, pc, kc, alpha, pc == 0 ? beta : 1f, aBase, lda, bp, cBase, ldc);
                }
            }
        }
    }

    /// <summary>C[i0..i1, jc..jc+nc] (+)= alpha·op(A)[i0..i1, pc..pc+kc]·B block, the block already packed at bp:
    /// MC rows of A at a time are packed into this thread's panels, each micro-panel kept in L1 while B's panels stream
    /// from L2.</summary>
    static void MultiplyPackedB(GemmPath path, int mrT, int nr, bool transA, int i0, int i1, int jc, int nc, int pc, int kc,
        float alpha, float blockBeta, float* aBase, int lda, float* bp, float* cBase, int ldc)
    {
        int needA = MC * KC;
        var pa = packA; if (pa == null || pa.Length < needA) packA = pa = GC.AllocateUninitializedArray<float>(needA, pinned: true);
        float* ap = (float*)Unsafe.AsPointer(ref pa[0]);
        float* tile = stackalloc float[MR512 * 32];
        for (int ic = i0; ic < i1; ic += MC)
        {
            int mc = Math.Min(MC, i1 - ic);
            PackA(transA, aBase, lda, ic, mc, pc, kc, mrT, ap);
            for (int ir = 0; ir < mc; ir += mrT)
            {
                int mr = Math.Min(mrT, mc - ir);
                float* apanel = ap + ir * kc;
                for (int jr = 0; jr < nc; jr += nr)
                {
                    int nrr = Math.Min(nr, nc - jr);
                    float* bpanel = bp + jr * kc;
                    float* cTile = cBase + (long)(ic + ir) * ldc + jc + jr;
                    bool full = mr == mrT && nrr == nr;
                    float* dst = full ? cTile : tile;
                    int ldd = full ? ldc : nr;
                    float tileBeta = full ? blockBeta : 0f;
                    switch (path)
                    {
                        case GemmPath.Vector512: Kernel8x32(kc, apanel, bpanel, dst, ldd, alpha, tileBeta); break;
                        case GemmPath.Vector256: Kernel6x16(kc, apanel, bpanel, dst, ldd, alpha, tileBeta); break;
                        default: KernelScalar(kc, apanel, bpanel, dst, ldd, alpha, tileBeta); break;
                    }
                    if (!full)
                        for (int r = 0; r < mr; r++)
                        {
                            float* crow = cTile + (long)r * ldc;
                            float* trow = tile + r * nr;
                            if (blockBeta == 0) for (int j = 0; j < nrr; j++) crow[j] = trow[j];
                            else if (blockBeta == 1) for (int j = 0; j < nrr; j++) crow[j] += trow[j];
                            else for (int j = 0; j < nrr; j++) crow[j] = blockBeta * crow[j] + trow[j];
                        }
                }
            }
        }
    }

    /// <summary>Rows ic..ic+mc, depth pc..pc+kc of op(A) into mr-row micro-panels: panel t holds
    /// A[t*mr + r, p] at t*mr*kc + p*mr + r; rows past mc are zero.</summary>
    static void PackA(bool transA, float* a, int lda, int ic, int mc, int pc, int kc, int mr, float* dst)
    {
        for (int t = 0; t < mc; t += mr)
        {
            int rows = Math.Min(mr, mc - t);
            float* panel = dst + t * kc;
            if (!transA && mr == 8 && rows == 8 && Avx.IsSupported)
            {
                // full 8-row panel: 8×8 register transposes instead of strided scalar stores
                float* src0 = a + (long)(ic + t) * lda + pc;
                int p = 0;
                for (; p + 8 <= kc; p += 8) Transpose8x8(src0 + p, lda, panel + p * 8, 8);
                for (; p < kc; p++)
                    for (int r = 0; r < 8; r++) panel[p * 8 + r] = src0[(long)r * lda + p];
            }
            else if (!transA)
            {
                for (int r = 0; r < rows; r++)
                {
                    float* src = a + (long)(ic + t + r) * lda + pc;
                    for (int p = 0; p < kc; p++) panel[p * mr + r] = src[p];
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = a + (long)(pc + p) * lda + ic + t;
                    for (int r = 0; r < rows; r++) panel[p * mr + r] = src[r];
                }
            }
            for (int r = rows; r < mr; r++)
                for (int p = 0; p < kc; p++) panel[p * mr + r] = 0f;
        }
    }

    /// <summary>Depth pc..pc+kc, columns jc..jc+nc of op(B) into nr-column micro-panels: panel t holds
    /// B[p, t*nr + j] at t*nr*kc + p*nr + j; columns past nc are zero.</summary>
    static void PackB(bool transB, float* b, int ldb, int pc, int kc, int jc, int nc, int nr, float* dst)
    {
        for (int t = 0; t < nc; t += nr)
        {
            int cols = Math.Min(nr, nc - t);
            float* panel = dst + t * kc;
            if (!transB)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = b + (long)(pc + p) * ldb + jc + t;
                    float* d = panel + p * nr;
                    if (cols == nr)
                    {
                        if (nr == 32 && Vector512.IsHardwareAccelerated)
                        {
                            Vector512.Store(Vector512.Load(src), d);
                            Vector512.Store(Vector512.Load(src + 16), d + 16);
                        }
                        else new ReadOnlySpan<float>(src, nr).CopyTo(new Span<float>(d, nr));
                    }
                    else
                    {
                        int j = 0;
                        for (; j < cols; j++) d[j] = src[j];
                        for (; j < nr; j++) d[j] = 0f;
                    }
                }
            }
            else
            {
                int j = 0;
                if (Avx.IsSupported)
                    for (; j + 8 <= cols; j += 8)
                    {
                        // 8×8 register transposes: eight contiguous row reads, eight contiguous panel writes
                        float* s0 = b + (long)(jc + t + j) * ldb + pc;
                        int p = 0;
                        for (; p + 8 <= kc; p += 8) Transpose8x8(s0 + p, ldb, panel + p * nr + j, nr);
                        for (; p < kc; p++)
                            for (int q = 0; q < 8; q++) panel[p * nr + j + q] = s0[(long)q * ldb + p];
                    }
                for (; j + 4 <= cols; j += 4)
                {
                    // four source rows at a time: each read stream is contiguous and a written cache line is filled by several stores
                    float* s0 = b + (long)(jc + t + j) * ldb + pc;
                    float* s1 = s0 + ldb, s2 = s1 + ldb, s3 = s2 + ldb;
                    for (int p = 0; p < kc; p++)
                    {
                        float* d = panel + p * nr + j;
                        d[0] = s0[p]; d[1] = s1[p]; d[2] = s2[p]; d[3] = s3[p];
                    }
                }
                for (; j < cols; j++)
                {
                    float* src = b + (long)(jc + t + j) * ldb + pc;
                    for (int p = 0; p < kc; p++) panel[p * nr + j] = src[p];
                }
                for (; j < nr; j++)
                    for (int p = 0; p < kc; p++) panel[p * nr + j] = 0f;
            }
        }
    }

    /// <summary>dst[q·ldd + r] = src[r·lds + q] for an 8×8 block (AVX unpack/shuffle/permute network).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8x8(float* src, int lds, float* dst, int ldd)
    {
        var r0 = Avx.LoadVector256(src); var r1 = Avx.LoadVector256(src + lds);
        var r2 = Avx.LoadVector256(src + 2 * lds); var r3 = Avx.LoadVector256(src + 3 * lds);
        var r4 = Avx.LoadVector256(src + 4 * lds); var r5 = Avx.LoadVector256(src + 5 * lds);
        var r6 = Avx.LoadVector256(src + 6 * lds); var r7 = Avx.LoadVector256(src + 7 * lds);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2 * ldd, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 3 * ldd, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4 * ldd, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 5 * ldd, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6 * ldd, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 7 * ldd, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>D[8×32] = alpha·Apanel·Bpanel + beta·D (D not read when beta = 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Kernel8x32(int kc, float* a, float* b, float* d, int ldd, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var av = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(av, b0, c00); c01 = Vector512.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(av, b0, c10); c11 = Vector512.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(av, b0, c20); c21 = Vector512.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(av, b0, c30); c31 = Vector512.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(av, b0, c40); c41 = Vector512.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(av, b0, c50); c51 = Vector512.FusedMultiplyAdd(av, b1, c51);
            av = Vector512.Create(a[6]); c60 = Vector512.FusedMultiplyAdd(av, b0, c60); c61 = Vector512.FusedMultiplyAdd(av, b1, c61);
            av = Vector512.Create(a[7]); c70 = Vector512.FusedMultiplyAdd(av, b0, c70); c71 = Vector512.FusedMultiplyAdd(av, b1, c71);
            a += MR512; b += 32;
        }
        Store512(d, c00, c01, alpha, beta); d += ldd;
        Store512(d, c10, c11, alpha, beta); d += ldd;
        Store512(d, c20, c21, alpha, beta); d += ldd;
        Store512(d, c30, c31, alpha, beta); d += ldd;
        Store512(d, c40, c41, alpha, beta); d += ldd;
        Store512(d, c50, c51, alpha, beta); d += ldd;
        Store512(d, c60, c61, alpha, beta); d += ldd;
        Store512(d, c70, c71, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store512(float* d, Vector512<float> x0, Vector512<float> x1, float alpha, float beta)
    {
        var va = Vector512.Create(alpha);
        x0 *= va; x1 *= va;
        if (beta != 0)
        {
            var vb = Vector512.Create(beta);
            x0 = Vector512.FusedMultiplyAdd(vb, Vector512.Load(d), x0);
            x1 = Vector512.FusedMultiplyAdd(vb, Vector512.Load(d + 16), x1);
        }
        Vector512.Store(x0, d);
        Vector512.Store(x1, d + 16);
    }

    /// <summary>D[6×16] = alpha·Apanel·Bpanel + beta·D with Vector256 registers (AVX2 machines).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Kernel6x16(int kc, float* a, float* b, float* d, int ldd, float alpha, float beta)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var av = Vector256.Create(a[0]); c00 = Vector256.FusedMultiplyAdd(av, b0, c00); c01 = Vector256.FusedMultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]); c10 = Vector256.FusedMultiplyAdd(av, b0, c10); c11 = Vector256.FusedMultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]); c20 = Vector256.FusedMultiplyAdd(av, b0, c20); c21 = Vector256.FusedMultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]); c30 = Vector256.FusedMultiplyAdd(av, b0, c30); c31 = Vector256.FusedMultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]); c40 = Vector256.FusedMultiplyAdd(av, b0, c40); c41 = Vector256.FusedMultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]); c50 = Vector256.FusedMultiplyAdd(av, b0, c50); c51 = Vector256.FusedMultiplyAdd(av, b1, c51);
            a += MR; b += 16;
        }
        Store256(d, c00, c01, alpha, beta); d += ldd;
        Store256(d, c10, c11, alpha, beta); d += ldd;
        Store256(d, c20, c21, alpha, beta); d += ldd;
        Store256(d, c30, c31, alpha, beta); d += ldd;
        Store256(d, c40, c41, alpha, beta); d += ldd;
        Store256(d, c50, c51, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store256(float* d, Vector256<float> x0, Vector256<float> x1, float alpha, float beta)
    {
        var va = Vector256.Create(alpha);
        x0 *= va; x1 *= va;
        if (beta != 0)
        {
            var vb = Vector256.Create(beta);
            x0 = Vector256.FusedMultiplyAdd(vb, Vector256.Load(d), x0);
            x1 = Vector256.FusedMultiplyAdd(vb, Vector256.Load(d + 8), x1);
        }
        Vector256.Store(x0, d);
        Vector256.Store(x1, d + 8);
    }

    /// <summary>D[6×16] = alpha·Apanel·Bpanel + beta·D without SIMD (same packed layout as the Vector256 path).</summary>
    static void KernelScalar(int kc, float* a, float* b, float* d, int ldd, float alpha, float beta)
    {
        const int nr = 16;
        float* acc = stackalloc float[MR * nr];
        new Span<float>(acc, MR * nr).Clear();
        for (int p = 0; p < kc; p++)
        {
            for (int r = 0; r < MR; r++)
            {
                float av = a[r];
                float* row = acc + r * nr;
                for (int j = 0; j < nr; j++) row[j] = MathF.FusedMultiplyAdd(av, b[j], row[j]);
            }
            a += MR; b += nr;
        }
        for (int r = 0; r < MR; r++)
        {
            float* row = acc + r * nr;
            float* drow = d + (long)r * ldd;
            for (int j = 0; j < nr; j++) drow[j] = alpha * row[j] + (beta == 0 ? 0f : beta * drow[j]);
        }
    }
}
