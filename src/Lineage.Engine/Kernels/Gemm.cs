namespace Lineage.Engine.Kernels;

/// <summary>Single-precision GEMM entry point used by matmul, linear and convolution.</summary>
internal static class Gemm
{
    /// <summary>C = alpha * op(A) * op(B) + beta * C (row-major; see <see cref="GemmReference.Sgemm"/>).
    /// Parallel over rows of C; vectorised over columns.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc)
    {
        Par.For(m, (long)n * k, (i0, i1) =>
        {
            var row = new float[k];
            for (int i = i0; i < i1; i++)
            {
                var ci = c.AsSpan(cOffset + i * ldc, n);
                if (beta == 0) ci.Clear(); else if (beta != 1) Elementwise.Scale(ci, beta);
                for (int p = 0; p < k; p++)
                {
                    float av = alpha * (transA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p]);
                    if (av == 0) continue;
                    if (!transB) Elementwise.Axpy(av, b.AsSpan(bOffset + p * ldb, n), ci);
                    else for (int j = 0; j < n; j++) ci[j] += av * b[bOffset + j * ldb + p];
                }
            }
        });
    }
}
