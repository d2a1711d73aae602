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
}
