namespace Lineage.Engine;

/// <summary>Process-wide engine settings. The thread count bounds every parallel kernel.</summary>
public static class EngineSettings
{
    static int threads = InitialThreads();

    static int InitialThreads()
    {
        var env = Environment.GetEnvironmentVariable("LINEAGE_THREADS");
        return int.TryParse(env, out var n) && n > 0 ? n : Environment.ProcessorCount;
    }

    /// <summary>Worker threads used by kernels (default: LINEAGE_THREADS or the core count).
    /// Results do not depend on it: every parallel kernel splits work so that each output
    /// element is computed by one thread in a fixed order.</summary>
    public static int Threads
    {
        get => threads;
        set => threads = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), "thread count must be positive");
    }

    static long spinMicroseconds = InitialSpin();

    static long InitialSpin()
    {
        var env = Environment.GetEnvironmentVariable("LINEAGE_SPIN_US");
        return long.TryParse(env, out var n) && n >= 0 ? n : 200;
    }

    /// <summary>How long (µs) an idle worker thread spins waiting for the next parallel loop before it sleeps
    /// (default: LINEAGE_SPIN_US or 200; 0 sleeps at once). Spinning trades a little idle CPU for not paying a
    /// thread wake-up on each of the hundreds of loops of a training step. Results do not depend on it.</summary>
    public static long SpinMicroseconds
    {
        get => spinMicroseconds;
        set => spinMicroseconds = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), "spin time must be zero or positive");
    }
}
