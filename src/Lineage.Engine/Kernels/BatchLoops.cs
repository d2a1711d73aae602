namespace Lineage.Engine.Kernels;

/// <summary>How convolution-like ops spread a batch over threads without making results depend on the
/// thread count: per-image work goes one image per thread (GEMMs inside run serially), and sums over
/// the batch (weight gradients) are taken over fixed blocks of images whose partial sums are added in order.</summary>
internal static class BatchLoops
{
    /// <summary>Runs body(image, scratch, serialGemm) for every image. With fewer images than threads the
    /// images run in turn and the GEMMs inside may use every thread instead.</summary>
    public static void ForEachImage(int n, long costPerImage, int scratchFloats, Action<int, float[], bool> body)
    {
        if (n >= EngineSettings.Threads && n > 1)
        {
            Par.For(n, costPerImage, (s, e) =>
            {
                var scratch = BufferPool.Rent(scratchFloats);
                try { for (int i = s; i < e; i++) body(i, scratch, true); }
                finally { BufferPool.Return(scratch); }
            });
            return;
        }
        var buf = BufferPool.Rent(scratchFloats);
        try { for (int i = 0; i < n; i++) body(i, buf, false); }
        finally { BufferPool.Return(buf); }
    }

    /// <summary>result[0..size) = Σ over images of what body(image, scratch, acc, overwrite, serialGemm) adds into acc.
    /// body must overwrite acc when told to (the first image of a block) and add to it otherwise.
    /// Blocks depend only on n (at most 16 of them), so the summation order is fixed.</summary>
    public static void SumOverImages(int n, int size, long costPerImage, int scratchFloats, Action<int, float[], float[], bool, bool> body, float[] result)
    {
        int per = Math.Max(1, (n + 15) / 16);
        int blocks = (n + per - 1) / per;
        if (blocks <= 1)
        {
            var buf = BufferPool.Rent(scratchFloats);
            try { for (int i = 0; i < n; i++) body(i, buf, result, i == 0, false); }
            finally { BufferPool.Return(buf); }
            if (n == 0) result.AsSpan(0, size).Clear();
            return;
        }
        var partial = BufferPool.Rent(blocks * size);
        try
        {
            Par.For(blocks, costPerImage * per, (b0, b1) =>
            {
                var scratch = BufferPool.Rent(scratchFloats);
                var acc = BufferPool.Rent(size);
                try
                {
                    for (int b = b0; b < b1; b++)
                    {
                        int s = b * per, e = Math.Min(n, s + per);
                        for (int i = s; i < e; i++) body(i, scratch, acc, i == s, true);
                        acc.AsSpan(0, size).CopyTo(partial.AsSpan(b * size, size));
                    }
                }
                finally { BufferPool.Return(scratch); BufferPool.Return(acc); }
            });
            Par.For(size, blocks, (s, e) =>
            {
                var dst = result.AsSpan(s, e - s);
                partial.AsSpan(s, e - s).CopyTo(dst);
                for (int b = 1; b < blocks; b++) Elementwise.AddInPlace(dst, partial.AsSpan(b * size + s, e - s));
            });
        }
        finally { BufferPool.Return(partial); }
    }

    /// <summary>The GEMM to call from inside a batch loop body.</summary>
    public static void Gemm(bool serial, bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc)
    {
        if (serial) Kernels.Gemm.SgemmSerial(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
        else Kernels.Gemm.Sgemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    }

    /// <summary>Per-channel sums of an [N, C, plane] gradient (the bias gradient), each channel summed image by image.</summary>
    public static Tensor ChannelSums(Tensor g, int n, int channels, int plane)
    {
        var r = Tensor.Empty(channels);
        var gd = g.Data; var rd = r.Data;
        Par.For(channels, (long)n * plane, (c0, c1) =>
        {
            for (int c = c0; c < c1; c++)
            {
                float s = 0;
                for (int i = 0; i < n; i++) s += Elementwise.Sum(gd.AsSpan((i * channels + c) * plane, plane));
                rd[c] = s;
            }
        });
        return r;
    }
}
