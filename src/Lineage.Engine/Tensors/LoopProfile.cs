using System.Collections.Concurrent;
using System.Diagnostics;

namespace Lineage.Engine;

/// <summary>Wall time spent in each parallel loop of the engine (each <c>Par.For</c> call site and size), while
/// <see cref="Enabled"/>: the benchmark's <c>--profile-loops</c> reads it to show where a training step goes.
/// Loops started inside another loop are counted in the outer one. Off, it costs one flag test per loop.</summary>
internal static class LoopProfile
{
    public static volatile bool Enabled;

    public readonly record struct Site(string Loop, int Items, long CostPerItem);

    static readonly ConcurrentDictionary<Site, (long Ticks, long Calls)> sites = new();

    public static void Record(string file, string member, int line, int items, long costPerItem, long ticks)
    {
        var site = new Site($"{Path.GetFileNameWithoutExtension(file)}.{member}:{line}", items, costPerItem);
        sites.AddOrUpdate(site, (ticks, 1), (_, v) => (v.Ticks + ticks, v.Calls + 1));
    }

    /// <summary>Every site with its total milliseconds and calls since the last reset, slowest first.</summary>
    public static IReadOnlyList<(Site Site, double Milliseconds, long Calls)> Totals()
        => sites.Select(kv => (kv.Key, kv.Value.Ticks * 1000.0 / Stopwatch.Frequency, kv.Value.Calls))
            .OrderByDescending(t => t.Item2).ToList();

    public static void Reset() => sites.Clear();
}
