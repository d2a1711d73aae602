using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Text.Json;

namespace Lineage.Bench;

/// <summary>
/// `--peak`: the fp32 FMA throughput this machine actually gives, the ceiling every other figure is read against.
/// Each thread runs 12 independent chains of fused multiply-adds (enough to cover the FMA latency on two pipes) in
/// the widest vectors the CPU accelerates, on 1 thread and on the benchmark's threads; the best of 5 rounds. This
/// measures the boosted clock as it is under load, which the clock in /proc/cpuinfo does not.
/// Beside it, the memory the kernels stream through: a copy of 64 MiB (past any cache this VM has) and of 4 MiB (a
/// 16-channel 32×32 activation of a batch of 64, the size ResNet-20's first stage reads and writes), split over the
/// threads, in GB/s read + written, best of 5 rounds. The VM's FMA peak has stayed put between spells while its
/// memory has not, and memory-bound work (batch norm, padding, the 16-channel layers) moves with the latter.
/// </summary>
public static class PeakFlops
{
    const long Iterations = 50_000_000;

    public static void Run(int threads, bool json)
    {
        int lanes = Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : 4;
        Func<long, float> chains = lanes == 16 ? Chains512 : lanes == 8 ? Chains256 : Chains128;
        chains(1000);
        var res = new Dictionary<string, object> { ["vector_lanes"] = lanes };
        foreach (int t in threads == 1 ? new[] { 1 } : [1, threads])
        {
            double best = 0;
            for (int round = 0; round < 5; round++)
            {
                var sw = Stopwatch.StartNew();
                Parallel.For(0, t, new ParallelOptions { MaxDegreeOfParallelism = t }, _ => chains(Iterations));
                best = Math.Max(best, t * Iterations * 12.0 * lanes * 2 / sw.Elapsed.TotalSeconds / 1e9);
            }
            res[$"fma_gflops_{t}_threads"] = Math.Round(best, 1);
        }
        foreach (int mib in new[] { 64, 4 })
        {
            var src = new float[mib << 18];
            var dst = new float[mib << 18];
            src.AsSpan().Fill(1f);
            dst.AsSpan().Clear();
            foreach (int t in threads == 1 ? new[] { 1 } : [1, threads])
            {
                double best = 0;
                for (int round = 0; round < 5; round++)
                {
                    int reps = mib >= 64 ? 2 : 32;
                    var sw = Stopwatch.StartNew();
                    for (int r = 0; r < reps; r++)
                        Parallel.For(0, t, new ParallelOptions { MaxDegreeOfParallelism = t }, k =>
                        {
                            int start = (int)((long)src.Length * k / t), end = (int)((long)src.Length * (k + 1) / t);
                            src.AsSpan(start, end - start).CopyTo(dst.AsSpan(start, end - start));
                        });
                    best = Math.Max(best, 2.0 * reps * src.Length * sizeof(float) / sw.Elapsed.TotalSeconds / 1e9);
                }
                res[$"copy_gbs_{mib}mib_{t}_threads"] = Math.Round(best, 1);
            }
        }
        if (json) { Console.WriteLine(JsonSerializer.Serialize(res)); return; }
        foreach (var (k, v) in res) Console.WriteLine($"{k,-26} {v}");
    }

    // one method per width, 12 accumulators each: the JIT keeps them in registers
    static float Chains512(long n)
    {
        var a = Vector512.Create(1.0000001f); var b = Vector512.Create(0.9999999f);
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (long i = 0; i < n; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(a, b, c0); c1 = Vector512.FusedMultiplyAdd(a, b, c1); c2 = Vector512.FusedMultiplyAdd(a, b, c2); c3 = Vector512.FusedMultiplyAdd(a, b, c3);
            c4 = Vector512.FusedMultiplyAdd(a, b, c4); c5 = Vector512.FusedMultiplyAdd(a, b, c5); c6 = Vector512.FusedMultiplyAdd(a, b, c6); c7 = Vector512.FusedMultiplyAdd(a, b, c7);
            c8 = Vector512.FusedMultiplyAdd(a, b, c8); c9 = Vector512.FusedMultiplyAdd(a, b, c9); c10 = Vector512.FusedMultiplyAdd(a, b, c10); c11 = Vector512.FusedMultiplyAdd(a, b, c11);
        }
        return (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11).ToScalar();
    }

    static float Chains256(long n)
    {
        var a = Vector256.Create(1.0000001f); var b = Vector256.Create(0.9999999f);
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (long i = 0; i < n; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(a, b, c0); c1 = Vector256.FusedMultiplyAdd(a, b, c1); c2 = Vector256.FusedMultiplyAdd(a, b, c2); c3 = Vector256.FusedMultiplyAdd(a, b, c3);
            c4 = Vector256.FusedMultiplyAdd(a, b, c4); c5 = Vector256.FusedMultiplyAdd(a, b, c5); c6 = Vector256.FusedMultiplyAdd(a, b, c6); c7 = Vector256.FusedMultiplyAdd(a, b, c7);
            c8 = Vector256.FusedMultiplyAdd(a, b, c8); c9 = Vector256.FusedMultiplyAdd(a, b, c9); c10 = Vector256.FusedMultiplyAdd(a, b, c10); c11 = Vector256.FusedMultiplyAdd(a, b, c11);
        }
        return (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11).ToScalar();
    }

    static float Chains128(long n)
    {
        var a = Vector128.Create(1.0000001f); var b = Vector128.Create(0.9999999f);
        Vector128<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (long i = 0; i < n; i++)
        {
            c0 = Vector128.FusedMultiplyAdd(a, b, c0); c1 = Vector128.FusedMultiplyAdd(a, b, c1); c2 = Vector128.FusedMultiplyAdd(a, b, c2); c3 = Vector128.FusedMultiplyAdd(a, b, c3);
            c4 = Vector128.FusedMultiplyAdd(a, b, c4); c5 = Vector128.FusedMultiplyAdd(a, b, c5); c6 = Vector128.FusedMultiplyAdd(a, b, c6); c7 = Vector128.FusedMultiplyAdd(a, b, c7);
            c8 = Vector128.FusedMultiplyAdd(a, b, c8); c9 = Vector128.FusedMultiplyAdd(a, b, c9); c10 = Vector128.FusedMultiplyAdd(a, b, c10); c11 = Vector128.FusedMultiplyAdd(a, b, c11);
        }
        return (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11).ToScalar();
    }
}
