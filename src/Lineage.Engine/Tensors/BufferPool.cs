namespace Lineage.Engine;

/// <summary>Reuses float buffers by exact length. A training step allocates the same shapes every
/// step, so after the first step every buffer comes from here and the GC sees no new large arrays.
/// Each thread keeps a few buffers of each length for itself and takes no lock for them: the training
/// loop's thread rents and returns the tensors, each loop worker its scratch, and with one shared
/// locked pool the two threads of a loop met on that lock at every chunk boundary (lock contention, this
/// lock's among it, was 6 % of the training thread's samples in a ResNet-20 step at 2 threads). Buffers past a thread's few go to the
/// shared pool, where any thread finds them. What a thread that has ended still held is dropped (and
/// uncounted) when the next thread starts its own cache.</summary>
public static class BufferPool
{
    const int LocalPerLength = 8;

    sealed class LocalCache(Thread owner, int generation)
    {
        public readonly Dictionary<int, Stack<float[]>> Stacks = new();
        public readonly WeakReference<Thread> Owner = new(owner);
        public readonly int Generation = generation;
        /// <summary>Floats idle in this cache; written only by the owner thread.</summary>
        public long Floats;
    }

    static readonly Dictionary<int, Stack<float[]>> shared = new();
    static readonly List<LocalCache> caches = new();
    static long pooledFloats;
    static int generation;
    [ThreadStatic] static LocalCache? local;

    /// <summary>Upper bound on floats kept idle in the pool (default 512 Mi floats = 2 GiB).</summary>
    public static long MaxPooledFloats { get; set; } = 512L * 1024 * 1024;

    public static float[] Rent(int length)
    {
        if (length == 0) return Array.Empty<float>();
        var cache = Local();
        if (cache.Stacks.TryGetValue(length, out var mine) && mine.Count > 0)
        {
            cache.Floats -= length;
            Interlocked.Add(ref pooledFloats, -length);
            return mine.Pop();
        }
        lock (shared)
        {
            if (shared.TryGetValue(length, out var stack) && stack.Count > 0)
            {
                Interlocked.Add(ref pooledFloats, -length);
                return stack.Pop();
            }
        }
        return GC.AllocateUninitializedArray<float>(length);
    }

    public static void Return(float[] buffer)
    {
        int length = buffer.Length;
        if (length == 0) return;
        if (Interlocked.Add(ref pooledFloats, length) > MaxPooledFloats) { Interlocked.Add(ref pooledFloats, -length); return; }
        var cache = Local();
        if (!cache.Stacks.TryGetValue(length, out var mine)) cache.Stacks[length] = mine = new Stack<float[]>();
        if (mine.Count < LocalPerLength)
        {
            mine.Push(buffer);
            cache.Floats += length;
            return;
        }
        lock (shared)
        {
            if (!shared.TryGetValue(length, out var stack)) shared[length] = stack = new Stack<float[]>();
            stack.Push(buffer);
        }
    }

    static LocalCache Local()
    {
        var cache = local;
        if (cache != null && cache.Generation == Volatile.Read(ref generation)) return cache;
        lock (shared)
        {
            // caches of ended threads (and of cleared generations) leave the count with their buffers
            caches.RemoveAll(c =>
            {
                bool ended = !c.Owner.TryGetTarget(out var t) || !t.IsAlive;
                if (ended && c.Generation == generation) Interlocked.Add(ref pooledFloats, -c.Floats);
                return ended || c.Generation != generation;
            });
            local = cache = new LocalCache(Thread.CurrentThread, generation);
            caches.Add(cache);
        }
        return cache;
    }

    /// <summary>Floats currently idle in the pool (for tests and diagnostics).</summary>
    public static long PooledFloats => Interlocked.Read(ref pooledFloats);

    /// <summary>Drops every idle buffer: the shared ones now, each thread's own at that thread's next use.</summary>
    public static void Clear()
    {
        lock (shared)
        {
            shared.Clear();
            Interlocked.Increment(ref generation);
            Interlocked.Exchange(ref pooledFloats, 0);
        }
    }
}
