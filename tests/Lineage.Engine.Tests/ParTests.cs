namespace Lineage.Engine.Tests;

/// <summary>Par.For on its dedicated workers: every item once, nested and concurrent loops, errors reach the caller.</summary>
[Collection(EngineGlobalsCollection.Name)]
public class ParTests
{
    static void WithThreads(int threads, Action body)
    {
        int saved = EngineSettings.Threads;
        EngineSettings.Threads = threads;
        try { body(); }
        finally { EngineSettings.Threads = saved; }
    }

    [Theory]
    [InlineData(2, 1000)]
    [InlineData(3, 7)]
    [InlineData(4, 100_000)]
    public void EveryItemRunsOnce(int threads, int n) => WithThreads(threads, () =>
    {
        for (int rep = 0; rep < 50; rep++)
        {
            var hits = new int[n];
            Par.For(n, 1_000_000, (s, e) => { for (int i = s; i < e; i++) Interlocked.Increment(ref hits[i]); });
            Assert.All(hits, h => Assert.Equal(1, h));
        }
    });

    /// <summary>The chunks cover the loop in order, shrink from the first (the largest) to a small last one, and their
    /// bounds depend only on the loop and the thread count.</summary>
    [Theory]
    [InlineData(1000, 8, 2)]
    [InlineData(64, 8, 2)]
    [InlineData(100_000, 32, 8)]
    [InlineData(5, 5, 2)]
    public void ChunksShrinkGeometrically(int n, int chunks, int threads)
    {
        var sizes = Enumerable.Range(0, chunks).Select(c => Par.ChunkStart(n, chunks, threads, c + 1) - Par.ChunkStart(n, chunks, threads, c)).ToArray();
        Assert.Equal(0, Par.ChunkStart(n, chunks, threads, 0));
        Assert.Equal(n, Par.ChunkStart(n, chunks, threads, chunks));
        Assert.All(sizes, s => Assert.True(s >= 0));
        Assert.Equal(n, sizes.Sum());
        Assert.Equal(sizes.Max(), sizes[0]);
        // each chunk about r = 1 − 0.8/threads times the one before, up to rounding
        double r = 1 - 0.8 / threads;
        for (int c = 1; c < chunks; c++) Assert.True(Math.Abs(sizes[c] - r * sizes[c - 1]) <= 1 + r, $"chunk {c}: {sizes[c]} after {sizes[c - 1]}");
        if (n >= 1000) Assert.True(sizes[^1] < 0.02 * n, $"last chunk {sizes[^1]} of {n}");
    }

    /// <summary>A loop returns only after every chunk has run, also when its chunks are long and the threads are
    /// preempted (more loop threads than cores, plus busy threads), loop after loop.</summary>
    [Fact]
    public void ALoopReturnsOnlyAfterEveryChunkRan() => WithThreads(4, () =>
    {
        using var stop = new CancellationTokenSource();
        var busy = Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(() =>
        {
            while (!stop.IsCancellationRequested) Thread.SpinWait(100);
        }, TaskCreationOptions.LongRunning)).ToArray();
        try
        {
            for (int rep = 0; rep < 400; rep++)
            {
                var ran = new int[16];
                Par.For(16, 1_000_000, (s, e) =>
                {
                    for (int i = s; i < e; i++)
                    {
                        // tens of µs per item, so the caller has to wait for the workers
                        long until = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency / 20_000;
                        while (System.Diagnostics.Stopwatch.GetTimestamp() < until) Thread.SpinWait(10);
                        Volatile.Write(ref ran[i], 1);
                    }
                });
                for (int i = 0; i < ran.Length; i++) Assert.True(Volatile.Read(ref ran[i]) == 1, $"loop {rep} returned before item {i} ran");
            }
        }
        finally
        {
            stop.Cancel();
            Task.WaitAll(busy);
        }
    });

    /// <summary>The loop profile names each loop by its call site and size, counts outer loops only, and records nothing when off.</summary>
    [Fact]
    public void LoopProfileRecordsOuterLoopsByCallSite() => WithThreads(2, () =>
    {
        LoopProfile.Reset();
        Par.For(1000, 1_000_000, (s, e) => { });
        Assert.Empty(LoopProfile.Totals());
        LoopProfile.Enabled = true;
        try
        {
            for (int rep = 0; rep < 3; rep++)
                Par.For(1000, 1_000_000, (s, e) => Par.For(10, 1_000_000, (a, b) => { }));
        }
        finally { LoopProfile.Enabled = false; }
        var site = Assert.Single(LoopProfile.Totals());
        Assert.StartsWith("ParTests.LoopProfileRecordsOuterLoopsByCallSite:", site.Site.Loop);
        Assert.Equal((1000, 1_000_000L, 3L), (site.Site.Items, site.Site.CostPerItem, site.Calls));
        LoopProfile.Reset();
    });

    [Fact]
    public void NestedLoopsComplete() => WithThreads(2, () =>
    {
        var hits = new int[16 * 64];
        Par.For(16, 1_000_000, (s, e) =>
        {
            for (int i = s; i < e; i++)
            {
                int row = i;
                Par.For(64, 1_000_000, (a, b) => { for (int j = a; j < b; j++) Interlocked.Increment(ref hits[row * 64 + j]); });
            }
        });
        Assert.All(hits, h => Assert.Equal(1, h));
    });

    [Fact]
    public void ConcurrentCallersEachGetTheirItems() => WithThreads(2, () =>
    {
        var totals = new long[4];
        var callers = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            for (int rep = 0; rep < 200; rep++)
            {
                long sum = 0;
                Par.For(512, 1_000_000, (s, e) => { long part = 0; for (int i = s; i < e; i++) part += i; Interlocked.Add(ref sum, part); });
                Interlocked.Add(ref totals[t], sum);
            }
        })).ToArray();
        foreach (var c in callers) c.Start();
        foreach (var c in callers) c.Join();
        Assert.All(totals, v => Assert.Equal(200L * 511 * 512 / 2, v));
    });

    [Fact]
    public void ErrorsReachTheCaller() => WithThreads(2, () =>
    {
        var e = Assert.Throws<AggregateException>(() => Par.For(100, 1_000_000, (s, _) => { if (s > 0) throw new InvalidOperationException("chunk"); }));
        Assert.IsType<InvalidOperationException>(e.InnerException);
        int count = 0;
        Par.For(100, 1_000_000, (s, e2) => Interlocked.Add(ref count, e2 - s));
        Assert.Equal(100, count);
    });
}
