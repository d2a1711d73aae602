using Lineage.Engine.Kernels;

namespace Lineage.Engine.Tests;

/// <summary>The fast GEMM against the reference triple loop, on odd shapes that hit every edge of the
/// packing and tiling, on every micro-kernel this machine can run.</summary>
[Collection(EngineGlobalsCollection.Name)]
public class GemmTests
{
    public static IEnumerable<object[]> Shapes()
    {
        int[][] shapes = [[1, 1, 1], [7, 13, 5], [6, 32, 1], [65, 33, 129], [13, 70, 300], [100, 17, 3], [2, 600, 40], [97, 530, 260]];
        foreach (var s in shapes)
            foreach (var (ta, tb) in new[] { (false, false), (true, false), (false, true), (true, true) })
                yield return [s[0], s[1], s[2], ta, tb];
    }

    static IEnumerable<GemmPath> Paths()
    {
        yield return GemmPath.Scalar;
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) yield return GemmPath.Vector256;
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) yield return GemmPath.Vector512;
    }

    [Theory, MemberData(nameof(Shapes))]
    public void MatchesReference(int m, int n, int k, bool transA, bool transB)
    {
        var saved = Gemm.Path;
        try
        {
            foreach (var path in Paths())
            {
                Gemm.Path = path;
                Compare(m, n, k, transA, transB, alpha: 1f, beta: 0f, padA: 0, padB: 0, padC: 0, offset: 0);
                Compare(m, n, k, transA, transB, alpha: 0.5f, beta: -1.5f, padA: 3, padB: 2, padC: 5, offset: 7);
                Compare(m, n, k, transA, transB, alpha: 2f, beta: 1f, padA: 1, padB: 0, padC: 1, offset: 1);
            }
        }
        finally { Gemm.Path = saved; }
    }

    static void Compare(int m, int n, int k, bool transA, bool transB, float alpha, float beta, int padA, int padB, int padC, int offset)
    {
        var gen = new Generator(m * 31 + n * 7 + k);
        int aRows = transA ? k : m, aCols = transA ? m : k, bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = aCols + padA, ldb = bCols + padB, ldc = n + padC;
        var a = Rand(gen, offset + aRows * lda);
        var b = Rand(gen, offset + bRows * ldb);
        var c = Rand(gen, offset + m * ldc);
        var expected = (float[])c.Clone();
        GemmReference.Sgemm(transA, transB, m, n, k, alpha, a.AsSpan(offset), lda, b.AsSpan(offset), ldb, beta, expected.AsSpan(offset), ldc);
        if (beta == 0) c.AsSpan(offset).Fill(float.NaN); // beta = 0 must not read C
        Gemm.Sgemm(transA, transB, m, n, k, alpha, a, offset, lda, b, offset, ldb, beta, c, offset, ldc);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                int idx = offset + i * ldc + j;
                float e = expected[idx], got = c[idx];
                Assert.True(MathF.Abs(e - got) <= 1e-4f * (1 + MathF.Sqrt(k)) * (1 + MathF.Abs(e)),
                    $"{Gemm.Path} m={m} n={n} k={k} tA={transA} tB={transB} alpha={alpha} beta={beta}: C[{i},{j}] = {got}, expected {e}");
            }
        for (int i = 0; i < m; i++) // padding columns of C stay untouched
            for (int j = n; j < ldc; j++)
                if (beta != 0) Assert.Equal(expected[offset + i * ldc + j], c[offset + i * ldc + j]);
    }

    static float[] Rand(Generator gen, int n)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = gen.NextFloat() * 2f - 1f;
        return x;
    }

    [Fact]
    public void ResultDoesNotDependOnThreadCount()
    {
        var gen = new Generator(3);
        int m = 150, n = 230, k = 300;
        var a = Rand(gen, m * k); var b = Rand(gen, k * n);
        var c1 = new float[m * n]; var c2 = new float[m * n];
        int saved = EngineSettings.Threads;
        try
        {
            EngineSettings.Threads = 1;
            Gemm.Sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c1, 0, n);
            EngineSettings.Threads = 3;
            Gemm.Sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c2, 0, n);
        }
        finally { EngineSettings.Threads = saved; }
        Assert.Equal(c1, c2);
    }

    [Fact]
    public void ZeroDepthScalesC()
    {
        var c = new float[] { 1, 2, 3, 4 };
        Gemm.Sgemm(false, false, 2, 2, 0, 1f, [], 0, 1, [], 0, 2, 2f, c, 0, 2);
        Assert.Equal(new float[] { 2, 4, 6, 8 }, c);
    }
}
