using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Lineage.Engine.Kernels;

/// <summary>A binary float op in three widths, so one generic loop serves every op at full vector width.</summary>
internal interface IBinary
{
    static abstract float Apply(float a, float b);
    static abstract Vector512<float> Apply(Vector512<float> a, Vector512<float> b);
    static abstract Vector256<float> Apply(Vector256<float> a, Vector256<float> b);
}

internal struct AddOp : IBinary
{
    public static float Apply(float a, float b) => a + b;
    public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => a + b;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => a + b;
}
internal struct SubOp : IBinary
{
    public static float Apply(float a, float b) => a - b;
    public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => a - b;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => a - b;
}
internal struct MulOp : IBinary
{
    public static float Apply(float a, float b) => a * b;
    public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => a * b;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => a * b;
}
internal struct DivOp : IBinary
{
    public static float Apply(float a, float b) => a / b;
    public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => a / b;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => a / b;
}
internal struct MaxOp : IBinary
{
    public static float Apply(float a, float b) => a >= b || float.IsNaN(a) ? a : b;
    public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);
}
internal struct MinOp : IBinary
{
    public static float Apply(float a, float b) => a <= b || float.IsNaN(a) ? a : b;
    public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => Vector512.Min(a, b);
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => Vector256.Min(a, b);
}

/// <summary>Vectorised loops over contiguous spans. Each has a scalar reference in <see cref="ElementwiseReference"/>.</summary>
internal static class Elementwise
{
    /// <summary>out[i] = op(a[i], b[i]).</summary>
    public static void Binary<TOp>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> o) where TOp : IBinary
    {
        int n = o.Length, i = 0;
        ref float ra = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a);
        ref float rb = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(b);
        ref float ro = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(o);
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16)
                TOp.Apply(Vector512.LoadUnsafe(ref ra, (nuint)i), Vector512.LoadUnsafe(ref rb, (nuint)i)).StoreUnsafe(ref ro, (nuint)i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8)
                TOp.Apply(Vector256.LoadUnsafe(ref ra, (nuint)i), Vector256.LoadUnsafe(ref rb, (nuint)i)).StoreUnsafe(ref ro, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref ro, i) = TOp.Apply(Unsafe.Add(ref ra, i), Unsafe.Add(ref rb, i));
    }

    /// <summary>out[i] = op(a[i], s).</summary>
    public static void BinaryScalarRight<TOp>(ReadOnlySpan<float> a, float s, Span<float> o) where TOp : IBinary
    {
        int n = o.Length, i = 0;
        ref float ra = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a);
        ref float ro = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(o);
        if (Vector512.IsHardwareAccelerated)
        {
            var vs = Vector512.Create(s);
            for (; i <= n - 16; i += 16) TOp.Apply(Vector512.LoadUnsafe(ref ra, (nuint)i), vs).StoreUnsafe(ref ro, (nuint)i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256.Create(s);
            for (; i <= n - 8; i += 8) TOp.Apply(Vector256.LoadUnsafe(ref ra, (nuint)i), vs).StoreUnsafe(ref ro, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref ro, i) = TOp.Apply(Unsafe.Add(ref ra, i), s);
    }

    /// <summary>out[i] = op(s, b[i]).</summary>
    public static void BinaryScalarLeft<TOp>(float s, ReadOnlySpan<float> b, Span<float> o) where TOp : IBinary
    {
        int n = o.Length, i = 0;
        ref float rb = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(b);
        ref float ro = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(o);
        if (Vector512.IsHardwareAccelerated)
        {
            var vs = Vector512.Create(s);
            for (; i <= n - 16; i += 16) TOp.Apply(vs, Vector512.LoadUnsafe(ref rb, (nuint)i)).StoreUnsafe(ref ro, (nuint)i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256.Create(s);
            for (; i <= n - 8; i += 8) TOp.Apply(vs, Vector256.LoadUnsafe(ref rb, (nuint)i)).StoreUnsafe(ref ro, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref ro, i) = TOp.Apply(s, Unsafe.Add(ref rb, i));
    }

    public static void AddInPlace(Span<float> acc, ReadOnlySpan<float> x) => Binary<AddOp>(acc, x, acc);

    /// <summary>acc[i] += alpha * x[i].</summary>
    public static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> acc)
    {
        int n = acc.Length, i = 0;
        ref float rx = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
        ref float ra = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(acc);
        if (Vector512.IsHardwareAccelerated)
        {
            var va = Vector512.Create(alpha);
            for (; i <= n - 16; i += 16)
                Vector512.FusedMultiplyAdd(va, Vector512.LoadUnsafe(ref rx, (nuint)i), Vector512.LoadUnsafe(ref ra, (nuint)i)).StoreUnsafe(ref ra, (nuint)i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(alpha);
            for (; i <= n - 8; i += 8)
                Vector256.FusedMultiplyAdd(va, Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256.LoadUnsafe(ref ra, (nuint)i)).StoreUnsafe(ref ra, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref ra, i) = MathF.FusedMultiplyAdd(alpha, Unsafe.Add(ref rx, i), Unsafe.Add(ref ra, i));
    }

    public static void Scale(Span<float> x, float s) => BinaryScalarRight<MulOp>(x, s, x);

    public static float Sum(ReadOnlySpan<float> x)
    {
        // pairwise over vector lanes keeps float error small for long sums
        int n = x.Length, i = 0;
        ref float r = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
        float total = 0;
        if (Vector512.IsHardwareAccelerated && n >= 64)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i <= n - 64; i += 64)
            {
                a0 += Vector512.LoadUnsafe(ref r, (nuint)i);
                a1 += Vector512.LoadUnsafe(ref r, (nuint)(i + 16));
                a2 += Vector512.LoadUnsafe(ref r, (nuint)(i + 32));
                a3 += Vector512.LoadUnsafe(ref r, (nuint)(i + 48));
            }
            total = Vector512.Sum((a0 + a1) + (a2 + a3));
        }
        else if (Vector256.IsHardwareAccelerated && n >= 32)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i <= n - 32; i += 32)
            {
                a0 += Vector256.LoadUnsafe(ref r, (nuint)i);
                a1 += Vector256.LoadUnsafe(ref r, (nuint)(i + 8));
                a2 += Vector256.LoadUnsafe(ref r, (nuint)(i + 16));
                a3 += Vector256.LoadUnsafe(ref r, (nuint)(i + 24));
            }
            total = Vector256.Sum((a0 + a1) + (a2 + a3));
        }
        for (; i < n; i++) total += Unsafe.Add(ref r, i);
        return total;
    }

    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        int n = x.Length, i = 0;
        ref float rx = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
        ref float ry = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(y);
        float total = 0;
        if (Vector512.IsHardwareAccelerated && n >= 32)
        {
            Vector512<float> a0 = default, a1 = default;
            for (; i <= n - 32; i += 32)
            {
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rx, (nuint)i), Vector512.LoadUnsafe(ref ry, (nuint)i), a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rx, (nuint)(i + 16)), Vector512.LoadUnsafe(ref ry, (nuint)(i + 16)), a1);
            }
            total = Vector512.Sum(a0 + a1);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 16)
        {
            Vector256<float> a0 = default, a1 = default;
            for (; i <= n - 16; i += 16)
            {
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i), a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rx, (nuint)(i + 8)), Vector256.LoadUnsafe(ref ry, (nuint)(i + 8)), a1);
            }
            total = Vector256.Sum(a0 + a1);
        }
        for (; i < n; i++) total += Unsafe.Add(ref rx, i) * Unsafe.Add(ref ry, i);
        return total;
    }
}

/// <summary>Plain loops that the vectorised kernels are tested against.</summary>
internal static class ElementwiseReference
{
    public static void Binary(Func<float, float, float> op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> o)
    {
        for (int i = 0; i < o.Length; i++) o[i] = op(a[i], b[i]);
    }

    public static double Sum(ReadOnlySpan<float> x)
    {
        double s = 0;
        foreach (var v in x) s += v;
        return s;
    }
}
