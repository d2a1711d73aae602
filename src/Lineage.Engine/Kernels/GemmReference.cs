namespace Lineage.Engine.Kernels;

/// <summary>The plain triple loop that every fast GEMM is tested against (double accumulation).</summary>
internal static class GemmReference
{
    /// <summary>C = alpha * op(A) * op(B) + beta * C, row-major; op transposes when the flag is set.
    /// A is M×K (or K×M when transA), B is K×N (or N×K when transB).</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    s += (double)av * bv;
                }
                c[i * ldc + j] = (float)(alpha * s + (beta == 0 ? 0 : beta * c[i * ldc + j]));
            }
    }
}
