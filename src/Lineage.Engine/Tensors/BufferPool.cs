namespace Lineage.Engine;

/// <summary>Reuses float buffers by exact length. A training step allocates the same shapes every
/// step, so after the first step every buffer comes from here and the GC sees no new large arrays.</summary>
public static class BufferPool
{
    static readonly Dictionary<int, Stack<float[]>> free = new();
    static long pooledFloats;
    /// <summary>Upper bound on floats kept idle in the pool (default 512 Mi floats = 2 GiB).</summary>
    public static long MaxPooledFloats { get; set; } = 512L * 1024 * 1024;

    public static float[] Rent(int length)
    {
        if (length == 0) return Array.Empty<float>();
        lock (free)
        {
            if (free.TryGetValue(length, out var stack) && stack.Count > 0)
            {
                pooledFloats -= length;
                return stack.Pop();
            }
        }
        return GC.AllocateUninitializedArray<float>(length);
    }

    public static void Return(float[] buffer)
    {
        if (buffer.Length == 0) return;
        lock (free)
        {
            if (pooledFloats + buffer.Length > MaxPooledFloats) return;
            if (!free.TryGetValue(buffer.Length, out var stack)) free[buffer.Length] = stack = new Stack<float[]>();
            stack.Push(buffer);
            pooledFloats += buffer.Length;
        }
    }

    /// <summary>Floats currently idle in the pool (for tests and diagnostics).</summary>
    public static long PooledFloats { get { lock (free) return pooledFloats; } }

    public static void Clear() { lock (free) { free.Clear(); pooledFloats = 0; } }
}
