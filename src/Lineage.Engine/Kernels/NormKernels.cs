using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Lineage.Engine.Kernels;

/// <summary>Vectorised per-plane loops of batch normalisation. A channel's statistics are summed plane by
/// plane: each plane in float vector lanes (short sums, small error), the plane totals in double by the caller,
/// so a scalar double chain (one add per element, latency-bound) is no longer on the critical path.</summary>
internal static class NormKernels
{
    /// <summary>Σ (x − mean)².</summary>
    public static float CenteredSquares(ReadOnlySpan<float> x, float mean)
    {
        int n = x.Length, i = 0;
        ref float r = ref MemoryMarshal.GetReference(x);
        float total = 0;
        if (Vector512.IsHardwareAccelerated && n >= 32)
        {
            var m = Vector512.Create(mean);
            Vector512<float> a0 = default, a1 = default;
            for (; i <= n - 32; i += 32)
            {
                var d0 = Vector512.LoadUnsafe(ref r, (nuint)i) - m; a0 = Vector512.FusedMultiplyAdd(d0, d0, a0);
                var d1 = Vector512.LoadUnsafe(ref r, (nuint)(i + 16)) - m; a1 = Vector512.FusedMultiplyAdd(d1, d1, a1);
            }
            total = Vector512.Sum(a0 + a1);
        }
        for (; i < n; i++) { float d = x[i] - mean; total += d * d; }
        return total;
    }

    /// <summary>(Σ g, Σ g·(x − mean)).</summary>
    public static (float sg, float sgx) GradSums(ReadOnlySpan<float> g, ReadOnlySpan<float> x, float mean)
    {
        int n = x.Length, i = 0;
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float rx = ref MemoryMarshal.GetReference(x);
        float sg = 0, sgx = 0;
        if (Vector512.IsHardwareAccelerated && n >= 32)
        {
            var m = Vector512.Create(mean);
            Vector512<float> g0 = default, g1 = default, p0 = default, p1 = default;
            for (; i <= n - 32; i += 32)
            {
                var a = Vector512.LoadUnsafe(ref rg, (nuint)i); var b = Vector512.LoadUnsafe(ref rg, (nuint)(i + 16));
                g0 += a; g1 += b;
                p0 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref rx, (nuint)i) - m, p0);
                p1 = Vector512.FusedMultiplyAdd(b, Vector512.LoadUnsafe(ref rx, (nuint)(i + 16)) - m, p1);
            }
            sg = Vector512.Sum(g0 + g1); sgx = Vector512.Sum(p0 + p1);
        }
        for (; i < n; i++) { sg += g[i]; sgx += g[i] * (x[i] - mean); }
        return (sg, sgx);
    }

    /// <summary>y = x·scale + shift.</summary>
    public static void Affine(ReadOnlySpan<float> x, float scale, float shift, Span<float> y)
    {
        int n = x.Length, i = 0;
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(y);
        if (Vector512.IsHardwareAccelerated)
        {
            var s = Vector512.Create(scale); var t = Vector512.Create(shift);
            for (; i <= n - 16; i += 16) Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rx, (nuint)i), s, t).StoreUnsafe(ref ry, (nuint)i);
        }
        for (; i < n; i++) y[i] = MathF.FusedMultiplyAdd(x[i], scale, shift);
    }

    /// <summary>Training-mode input gradient: dx = a·(g − mg − (x − mean)·k), with k = istd·mean(g·x̂) folded by the caller.</summary>
    public static void TrainBackward(ReadOnlySpan<float> g, ReadOnlySpan<float> x, float a, float mg, float mean, float k, Span<float> dx)
    {
        int n = x.Length, i = 0;
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rd = ref MemoryMarshal.GetReference(dx);
        if (Vector512.IsHardwareAccelerated)
        {
            // a·(g − mg − (x − mean)·k) = a·g − a·k·x + a·(k·mean − mg)
            var va = Vector512.Create(a); var vc = Vector512.Create(a * (k * mean - mg)); var vak = Vector512.Create(-a * k);
            for (; i <= n - 16; i += 16)
            {
                var gx = Vector512.LoadUnsafe(ref rg, (nuint)i); var xv = Vector512.LoadUnsafe(ref rx, (nuint)i);
                Vector512.FusedMultiplyAdd(va, gx, Vector512.FusedMultiplyAdd(vak, xv, vc)).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        float c = a * (k * mean - mg), ak = -a * k;
        for (; i < n; i++) dx[i] = MathF.FusedMultiplyAdd(a, g[i], MathF.FusedMultiplyAdd(ak, x[i], c));
    }
}
