namespace Lineage.Engine;

/// <summary>Splits a loop of n items into contiguous chunks run on up to <see cref="EngineSettings.Threads"/> threads.
/// Chunks are only made when there is enough work (<paramref name="costPerItem"/> * n) to pay for a thread hop.
/// There are several chunks per thread, taken in turn by whichever thread is free: on a shared machine one
/// thread is often descheduled for a while, and with one chunk per thread every loop would wait for it.
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

    public static void For(int n, long costPerItem, Action<int, int> body)
    {
        if (n <= 0) return;
        int threads = EngineSettings.Threads;
        long total = Math.Max(1, costPerItem) * n;
        if (threads <= 1) { body(0, n); return; }
        int chunks = (int)Math.Min(Math.Min((long)threads * ChunksPerThread, n), Math.Max(1, total / MinWorkPerChunk));
        if (chunks <= 1) { body(0, n); return; }
        if (Workers.TryRun(threads - 1, n, chunks, body)) return;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, c => RunChunk(n, chunks, c, body));
    }

    static void RunChunk(int n, int chunks, int c, Action<int, int> body)
    {
        int start = (int)((long)n * c / chunks), end = (int)((long)n * (c + 1) / chunks);
        if (end > start) body(start, end);
    }

    /// <summary>Background threads that take chunks from a shared counter, the calling thread too; one loop at a
    /// time. Between loops a worker spins for a short while (<see cref="EngineSettings.SpinMicroseconds"/>) watching
    /// for the next loop before it sleeps on its semaphore: a training step starts hundreds of loops a few
    /// microseconds apart, and waking a sleeping thread costs tens of microseconds each time (OpenMP runtimes
    /// spin between parallel regions for the same reason).</summary>
    static class Workers
    {
        sealed class Job(int n, int chunks, Action<int, int> body)
        {
            public readonly int N = n, Chunks = chunks;
            public readonly Action<int, int> Body = body;
            public int Next, Remaining = chunks;
            public Exception? Error;
        }

        sealed class Worker
        {
            public readonly SemaphoreSlim Signal = new(0);
            /// <summary>1 while the worker is asleep (or about to be) on <see cref="Signal"/>.</summary>
            public int Sleeping;
        }

        static readonly object grow = new();
        static readonly ManualResetEventSlim done = new(false, spinCount: 200);
        static Worker[] workers = [];
        static volatile Job? current;
        /// <summary>Raised once per loop, after <see cref="current"/> is set: spinning workers watch it.</summary>
        static int generation;
        static int busy;
        [ThreadStatic] static bool inLoop;

        public static bool TryRun(int helpers, int n, int chunks, Action<int, int> body)
        {
            if (inLoop || Interlocked.CompareExchange(ref busy, 1, 0) != 0) return false;
            try
            {
                var all = Ensure(helpers);
                var job = new Job(n, chunks, body);
                done.Reset();
                current = job;
                Interlocked.Increment(ref generation);
                // A spinning worker sees the new generation by itself; only sleeping ones need their semaphore.
                int wake = Math.Min(helpers, chunks - 1);
                for (int i = 0; i < wake; i++)
                    if (Interlocked.Exchange(ref all[i].Sleeping, 0) == 1) all[i].Signal.Release();
                inLoop = true;
                try { Execute(job); }
                finally { inLoop = false; }
                done.Wait();
                if (job.Error != null) throw new AggregateException(job.Error);
                return true;
            }
            finally { Volatile.Write(ref busy, 0); }
        }

        static Worker[] Ensure(int helpers)
        {
            var all = workers;
            if (all.Length >= helpers) return all;
            lock (grow)
            {
                if (workers.Length >= helpers) return workers;
                var grown = new Worker[helpers];
                Array.Copy(workers, grown, workers.Length);
                for (int i = workers.Length; i < helpers; i++)
                {
                    var w = grown[i] = new Worker();
                    new Thread(() => Loop(w)) { IsBackground = true, Name = $"Lineage.Par {i}" }.Start();
                }
                workers = grown;
                return grown;
            }
        }

        static void Loop(Worker self)
        {
            inLoop = true;
            int seen = Volatile.Read(ref generation);
            while (true)
            {
                if (!SpinUntilNewLoop(seen))
                {
                    Volatile.Write(ref self.Sleeping, 1);
                    // A loop posted between the spin and the flag: take it back unless TryRun already released us.
                    if (Volatile.Read(ref generation) == seen || Interlocked.Exchange(ref self.Sleeping, 0) == 0)
                        self.Signal.Wait();
                }
                seen = Volatile.Read(ref generation);
                var job = current;
                if (job != null) Execute(job);
            }
        }

        static bool SpinUntilNewLoop(int seen)
        {
            long spin = EngineSettings.SpinMicroseconds;
            if (spin <= 0) return false;
            long until = System.Diagnostics.Stopwatch.GetTimestamp() + spin * System.Diagnostics.Stopwatch.Frequency / 1_000_000;
            while (Volatile.Read(ref generation) == seen)
            {
                if (System.Diagnostics.Stopwatch.GetTimestamp() > until) return false;
                Thread.SpinWait(16);
            }
            return true;
        }

        static void Execute(Job job)
        {
            int c;
            while ((c = Interlocked.Increment(ref job.Next) - 1) < job.Chunks)
            {
                try { RunChunk(job.N, job.Chunks, c, job.Body); }
                catch (Exception e) { Interlocked.CompareExchange(ref job.Error, e, null); }
                if (Interlocked.Decrement(ref job.Remaining) == 0) done.Set();
            }
        }
    }
}
