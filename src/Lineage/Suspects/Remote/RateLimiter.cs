using System.Diagnostics;

namespace Lineage.Suspects.Remote;

/// <summary>Spaces requests at least 1/rate seconds apart, so a verification never floods an API
/// it does not own (and stays under the provider's quota).</summary>
public sealed class RateLimiter(double? requestsPerSecond)
{
    readonly Lock gate = new();
    readonly Stopwatch clock = Stopwatch.StartNew();
    TimeSpan next = TimeSpan.Zero;

    public void Wait()
    {
        if (requestsPerSecond is not > 0) return;
        TimeSpan delay;
        lock (gate)
        {
            var now = clock.Elapsed;
            var slot = next > now ? next : now;
            next = slot + TimeSpan.FromSeconds(1 / requestsPerSecond.Value);
            delay = slot - now;
        }
        if (delay > TimeSpan.Zero) Thread.Sleep(delay);
    }
}
