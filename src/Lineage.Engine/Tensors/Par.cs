namespace Lineage.Engine;

/// <summary>Splits a loop of n items into contiguous chunks run on up to <see cref="EngineSettings.Threads"/> threads.
/// Chunks are only made when there is enough work (<paramref name="costPerItem"/> * n) to pay for a thread hop.
/// There are several chunks per thread, taken in turn by whichever thread is free: on a shared machine one
/// thread is often descheduled for a while, and with one chunk per thread every loop would wait for it.
/// Callers already get chunk boundaries that vary with the thread count, so each item's result must not
/// depend on them.</summary>
internal static class Par
{
    const long MinWorkPerChunk = 32_768;
    const int ChunksPerThread = 4;

    public static void For(int n, long costPerItem, Action<int, int> body)
    {
        if (n <= 0) return;
        int threads = EngineSettings.Threads;
        long total = Math.Max(1, costPerItem) * n;
        if (threads <= 1) { body(0, n); return; }
        int chunks = (int)Math.Min(Math.Min((long)threads * ChunksPerThread, n), Math.Max(1, total / MinWorkPerChunk));
        if (chunks <= 1) { body(0, n); return; }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, c =>
        {
            int start = (int)((long)n * c / chunks), end = (int)((long)n * (c + 1) / chunks);
            if (end > start) body(start, end);
        });
    }
}
