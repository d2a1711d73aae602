using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Lineage.Engine.Kernels;

/// <summary>Vectorised per-plane loops of batch normalisation. A channel's statistics are summed plane by
/// plane: each plane in float vector lanes (short sums, small error), the plane totals in double by the caller,
/// so a scalar double chain (one add per element, latency-bound) is no longer on the critical path.
/// The ReLU and residual of a fused batch norm (see Functional.BatchNorm) are applied in the same loops:
/// an empty <c>y</c> span means no ReLU mask, an empty residual means none.</summary>
internal static class NormKernels
{
    /// <summary>(Σ (x − shift), Σ (x − shift)²).</summary>
    public static (float s1, float s2) ShiftedSums(ReadOnlySpan<float> x, float shift)
    {
        int n = x.Length, i = 0;
        ref float r = ref MemoryMarshal.GetReference(x);
        float s1 = 0, s2 = 0;
        if (Vector512.IsHardwareAccelerated && n >= 32)
        {
            var k = Vector512.Create(shift);
            Vector512<float> a0 = default, a1 = default, q0 = default, q1 = default;
            for (; i <= n - 32; i += 32)
            {
                var d0 = Vector512.LoadUnsafe(ref r, (nuint)i) - k; a0 += d0; q0 = Vector512.FusedMultiplyAdd(d0, d0, q0);
                var d1 = Vector512.LoadUnsafe(ref r, (nuint)(i + 16)) - k; a1 += d1; q1 = Vector512.FusedMultiplyAdd(d1, d1, q1);
            }
            s1 = Vector512.Sum(a0 + a1); s2 = Vector512.Sum(q0 + q1);
        }
        for (; i < n; i++) { float d = x[i] - shift; s1 += d; s2 += d * d; }
        return (s1, s2);
    }

    /// <summary>y = x·scale + shift (+ residual), then max(0, ·) when relu.</summary>
    public static void Affine(ReadOnlySpan<float> x, float scale, float shift, ReadOnlySpan<float> residual, bool relu, Span<float> y)
    {
        int n = x.Length, i = 0;
        bool add = !residual.IsEmpty;
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rr = ref MemoryMarshal.GetReference(residual);
        ref float ry = ref MemoryMarshal.GetReference(y);
        if (Vector512.IsHardwareAccelerated)
        {
            var s = Vector512.Create(scale); var t = Vector512.Create(shift);
            var floor = Vector512.Create(relu ? 0f : float.NegativeInfinity);
            if (add)
                for (; i <= n - 16; i += 16)
                    Vector512.Max(Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rx, (nuint)i), s, t) + Vector512.LoadUnsafe(ref rr, (nuint)i), floor).StoreUnsafe(ref ry, (nuint)i);
            else
                for (; i <= n - 16; i += 16)
                    Vector512.Max(Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rx, (nuint)i), s, t), floor).StoreUnsafe(ref ry, (nuint)i);
        }
        for (; i < n; i++)
        {
            float v = MathF.FusedMultiplyAdd(x[i], scale, shift) + (add ? residual[i] : 0f);
            y[i] = relu ? MathF.Max(v, 0f) : v;
        }
    }

    /// <summary>(Σ g', Σ g'·(x − mean)) with g' = g where y &gt; 0 (g when y is empty); writes g' to masked when given.</summary>
    public static (float sg, float sgx) GradSums(ReadOnlySpan<float> g, ReadOnlySpan<float> x, float mean, ReadOnlySpan<float> y, Span<float> masked)
    {
        int n = x.Length, i = 0;
        bool mask = !y.IsEmpty, store = !masked.IsEmpty;
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(y);
        ref float rm = ref MemoryMarshal.GetReference(masked);
        float sg = 0, sgx = 0;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var mv = Vector512.Create(mean);
            Vector512<float> g0 = default, p0 = default;
            for (; i <= n - 16; i += 16)
            {
                var a = Vector512.LoadUnsafe(ref rg, (nuint)i);
                if (mask) a = Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.LoadUnsafe(ref ry, (nuint)i), Vector512<float>.Zero), a, Vector512<float>.Zero);
                if (store) a.StoreUnsafe(ref rm, (nuint)i);
                g0 += a;
                p0 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref rx, (nuint)i) - mv, p0);
            }
            sg = Vector512.Sum(g0); sgx = Vector512.Sum(p0);
        }
        for (; i < n; i++)
        {
            float a = mask && !(y[i] > 0f) ? 0f : g[i];
            if (store) masked[i] = a;
            sg += a; sgx += a * (x[i] - mean);
        }
        return (sg, sgx);
    }

    /// <summary>dx = a·(g' − mg − (x − mean)·k), g' masked by y &gt; 0 as in <see cref="GradSums"/>; training mode folds
    /// k = istd·mean(g'·x̂) and mg = mean(g'), evaluation passes mg = k = 0.</summary>
    public static void InputGradient(ReadOnlySpan<float> g, ReadOnlySpan<float> x, ReadOnlySpan<float> y, float a, float mg, float mean, float k, Span<float> dx)
    {
        int n = x.Length, i = 0;
        bool mask = !y.IsEmpty;
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(y);
        ref float rd = ref MemoryMarshal.GetReference(dx);
        // a·(g − mg − (x − mean)·k) = a·g − a·k·x + a·(k·mean − mg)
        float c = a * (k * mean - mg), ak = -a * k;
        if (Vector512.IsHardwareAccelerated)
        {
            var va = Vector512.Create(a); var vc = Vector512.Create(c); var vak = Vector512.Create(ak);
            for (; i <= n - 16; i += 16)
            {
                var gv = Vector512.LoadUnsafe(ref rg, (nuint)i);
                if (mask) gv = Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.LoadUnsafe(ref ry, (nuint)i), Vector512<float>.Zero), gv, Vector512<float>.Zero);
                Vector512.FusedMultiplyAdd(va, gv, Vector512.FusedMultiplyAdd(vak, Vector512.LoadUnsafe(ref rx, (nuint)i), vc)).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float gi = mask && !(y[i] > 0f) ? 0f : g[i];
            dx[i] = MathF.FusedMultiplyAdd(a, gi, MathF.FusedMultiplyAdd(ak, x[i], c));
        }
    }
}
