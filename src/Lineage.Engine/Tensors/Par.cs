using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Lineage.Engine;

/// <summary>Splits a loop of n items into contiguous chunks run on up to <see cref="EngineSettings.Threads"/> threads.
/// Chunks are only made when there is enough work (<paramref name="costPerItem"/> * n) to pay for a thread hop.
/// There are several chunks per thread, taken in turn by whichever thread is free: on a shared machine one
/// thread is often descheduled for a while, and with one chunk per thread every loop would wait for it.
/// The chunks shrink geometrically (<see cref="ChunkStart"/>, guided self-scheduling as in Polychronopoulos and
/// Kuck 1987): large first chunks, few chunk changes, and a tail of small ones, so that the thread that finishes
/// first waits at most a small chunk for the other.
/// Callers already get chunk boundaries that vary with the thread count, so each item's result must not
/// depend on them.
/// The chunks run on the calling thread and Threads − 1 dedicated workers (<see cref="Workers"/>) instead of
/// Parallel.For: a training step makes hundreds of short loops, and the thread pool's idle workers spin
/// between them (on a 2-core machine that spinning took CPU from the loops themselves). A loop started
/// inside another one, or while another thread's loop holds the workers, runs on Parallel.For as before.</summary>
internal static class Par
{
    const long MinWorkPerChunk = 32_768;
    const int ChunksPerThread = 4;

    /// <summary>Runs body(start, end) over chunks of 0..n. The caller's member, file and line only name the loop
    /// for <see cref="LoopProfile"/> (filled in by the compiler).</summary>
    public static void For(int n, long costPerItem, Action<int, int> body,
        [CallerMemberName] string member = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (n <= 0) return;
        if (LoopProfile.Enabled && !Workers.InLoop)
        {
            long start = Stopwatch.GetTimestamp();
            Run(n, costPerItem, body);
            LoopProfile.Record(file, member, line, n, costPerItem, Stopwatch.GetTimestamp() - start);
            return;
        }
        Run(n, costPerItem, body);
    }

    static void Run(int n, long costPerItem, Action<int, int> body)
    {
        int threads = EngineSettings.Threads;
        long total = Math.Max(1, costPerItem) * n;
        if (threads <= 1) { body(0, n); return; }
        int chunks = (int)Math.Min(Math.Min((long)threads * ChunksPerThread, n), Math.Max(1, total / MinWorkPerChunk));
        if (chunks <= 1) { body(0, n); return; }
        if (Workers.TryRun(threads - 1, n, chunks, threads, body)) return;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, c => RunChunk(n, chunks, threads, c, body));
    }

    static void RunChunk(int n, int chunks, int threads, int c, Action<int, int> body)
    {
        int start = ChunkStart(n, chunks, threads, c), end = ChunkStart(n, chunks, threads, c + 1);
        if (end > start) body(start, end);
    }

    /// <summary>The first item of chunk c (n for c = chunks): chunk j holds a share of the items proportional to
    /// rʲ, r = 1 − 0.8 / threads, so each chunk takes about 1/(1.25·threads) of what the chunks before it left (on two
    /// threads 40, 24, 15, 9, … 1 %). Against equal chunks, interleaved in one process on two threads (2026-12-05):
    /// ResNet-20's training step 61.9, 65.1 and 71.8 against 65.8, 68.4 and 74.6 ms (medians of three runs), its inference at batch 256
    /// 68.3–68.8 against 74.9–75.8 ms, the reference CNN's 6.5–6.9 against 9.5–9.6 ms, the same results bit for bit.
    /// (Equal chunks, 8 or 16 per thread instead of 4, had been slower: more chunk changes.) Depends only on its
    /// arguments, never on which thread takes a chunk.</summary>
    internal static int ChunkStart(int n, int chunks, int threads, int c)
    {
        if (c >= chunks) return n;
        double r = 1 - 0.8 / Math.Max(2, threads);
        return (int)Math.Round(n * (1 - Math.Pow(r, c)) / (1 - Math.Pow(r, chunks)));
    }

    /// <summary>Background threads that each wait on their own semaphore for the next loop, then take chunks
    /// from a shared counter until none are left; the calling thread takes chunks too. One loop at a time.</summary>
    static class Workers
    {
        sealed class Job(int n, int chunks, int threads, Action<int, int> body)
        {
            public readonly int N = n, Chunks = chunks, Threads = threads;
            public readonly Action<int, int> Body = body;
            public int Next, Remaining = chunks;
            public Exception? Error;
        }

        static readonly object grow = new();
        static readonly ManualResetEventSlim done = new(false, spinCount: 200);
        static SemaphoreSlim[] signals = [];
        static volatile Job? current;
        static int busy;
        [ThreadStatic] static bool inLoop;

        /// <summary>True on a thread running a chunk of some loop (a loop started there is nested).</summary>
        public static bool InLoop => inLoop;

        public static bool TryRun(int helpers, int n, int chunks, int threads, Action<int, int> body)
        {
            if (inLoop || Interlocked.CompareExchange(ref busy, 1, 0) != 0) return false;
            try
            {
                var sig = Ensure(helpers);
                var job = new Job(n, chunks, threads, body);
                done.Reset();
                current = job;
                int wake = Math.Min(helpers, chunks - 1);
                for (int i = 0; i < wake; i++) sig[i].Release();
                inLoop = true;
                try { Execute(job); }
                finally { inLoop = false; }
                done.Wait();
                if (job.Error != null) throw new AggregateException(job.Error);
                return true;
            }
            finally { Volatile.Write(ref busy, 0); }
        }

        // The caller blocks on the process-wide event, reset at the start of each loop and set by whichever
        // thread finishes the loop's last chunk before the caller returns. (A caller that spun on the chunk
        // counter and returned as soon as it reached zero let that Set land after the next loop's Reset,
        // and a later wait of that next loop could return before its chunks had run. CI then saw a max-pool
        // gradient read argmax indices out of range, which that race explains.)

        static SemaphoreSlim[] Ensure(int helpers)
        {
            var sig = signals;
            if (sig.Length >= helpers) return sig;
            lock (grow)
            {
                if (signals.Length >= helpers) return signals;
                var grown = new SemaphoreSlim[helpers];
                Array.Copy(signals, grown, signals.Length);
                for (int i = signals.Length; i < helpers; i++)
                {
                    var s = grown[i] = new SemaphoreSlim(0);
                    new Thread(() => Loop(s)) { IsBackground = true, Name = $"Lineage.Par {i}" }.Start();
                }
                signals = grown;
                return grown;
            }
        }

        static void Loop(SemaphoreSlim signal)
        {
            inLoop = true;
            while (true)
            {
                signal.Wait();
                var job = current;
                if (job != null) Execute(job);
            }
        }

        static void Execute(Job job)
        {
            int c;
            while ((c = Interlocked.Increment(ref job.Next) - 1) < job.Chunks)
            {
                try { RunChunk(job.N, job.Chunks, job.Threads, c, job.Body); }
                catch (Exception e) { Interlocked.CompareExchange(ref job.Error, e, null); }
                if (Interlocked.Decrement(ref job.Remaining) == 0) done.Set();
            }
        }
    }
}
