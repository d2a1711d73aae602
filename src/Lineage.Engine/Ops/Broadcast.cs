using Lineage.Engine.Kernels;

namespace Lineage.Engine;

/// <summary>NumPy broadcasting for binary ops, and its adjoint (summing a gradient back to an input's shape).</summary>
internal static class Broadcast
{
    public static int[] ResultShape(int[] a, int[] b, string op)
    {
        int r = Math.Max(a.Length, b.Length);
        var s = new int[r];
        for (int i = 0; i < r; i++)
        {
            int da = i < r - a.Length ? 1 : a[i - (r - a.Length)];
            int db = i < r - b.Length ? 1 : b[i - (r - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {Tensor.FormatShape(a)} and {Tensor.FormatShape(b)} cannot be broadcast together (dimension {i}: {da} vs {db})");
            s[i] = da == 1 ? db : da;
        }
        return s;
    }

    /// <summary>o = op(a, b) with a and b broadcast to o's shape.</summary>
    public static void Apply<TOp>(Tensor a, Tensor b, Tensor o) where TOp : IBinary
    {
        var ad = a.Data; var bd = b.Data; var od = o.Data;
        int n = o.Size;
        if (a.Size == n && b.Size == n)
        {
            Par.For(n, 1, (s, e) => Elementwise.Binary<TOp>(ad.AsSpan(s, e - s), bd.AsSpan(s, e - s), od.AsSpan(s, e - s)));
            return;
        }
        if (b.Size == 1 && a.Size == n)
        {
            float v = bd[0];
            Par.For(n, 1, (s, e) => Elementwise.BinaryScalarRight<TOp>(ad.AsSpan(s, e - s), v, od.AsSpan(s, e - s)));
            return;
        }
        if (a.Size == 1 && b.Size == n)
        {
            float v = ad[0];
            Par.For(n, 1, (s, e) => Elementwise.BinaryScalarLeft<TOp>(v, bd.AsSpan(s, e - s), od.AsSpan(s, e - s)));
            return;
        }
        Coalesce(o.Shape, a.Shape, b.Shape, out var dims, out var sa, out var sb);
        int rank = dims.Length;
        int inner = dims[rank - 1];
        int isa = sa[rank - 1], isb = sb[rank - 1];
        int rows = n / Math.Max(inner, 1);
        Par.For(rows, inner, (r0, r1) =>
        {
            var idx = new int[rank];
            for (int r = r0; r < r1; r++)
            {
                // decompose row index into coordinates of the outer dims
                int rem = r, offA = 0, offB = 0;
                for (int d = rank - 2; d >= 0; d--)
                {
                    int c = rem % dims[d]; rem /= dims[d];
                    offA += c * sa[d]; offB += c * sb[d];
                }
                var os = od.AsSpan(r * inner, inner);
                if (isa == 1 && isb == 1) Elementwise.Binary<TOp>(ad.AsSpan(offA, inner), bd.AsSpan(offB, inner), os);
                else if (isa == 1) Elementwise.BinaryScalarRight<TOp>(ad.AsSpan(offA, inner), bd[offB], os);
                else if (isb == 1) Elementwise.BinaryScalarLeft<TOp>(ad[offA], bd.AsSpan(offB, inner), os);
                else os.Fill(TOp.Apply(ad[offA], bd[offB]));
            }
        });
    }

    /// <summary>Strides of a and b in the output's index space (0 where broadcast), with adjacent
    /// dimensions merged wherever both inputs allow, so the innermost loop runs as long as possible.</summary>
    static void Coalesce(int[] outShape, int[] aShape, int[] bShape, out int[] dims, out int[] sa, out int[] sb)
    {
        int r = outShape.Length;
        var fa = AlignedStrides(aShape, outShape);
        var fb = AlignedStrides(bShape, outShape);
        var ld = new List<int>(); var la = new List<int>(); var lb = new List<int>();
        for (int i = 0; i < r; i++)
        {
            if (outShape[i] == 1) continue;
            if (ld.Count > 0)
            {
                int k = ld.Count - 1;
                if (la[k] == fa[i] * outShape[i] && lb[k] == fb[i] * outShape[i])
                {
                    ld[k] *= outShape[i]; la[k] = fa[i]; lb[k] = fb[i];
                    continue;
                }
            }
            ld.Add(outShape[i]); la.Add(fa[i]); lb.Add(fb[i]);
        }
        if (ld.Count == 0) { ld.Add(1); la.Add(0); lb.Add(0); }
        dims = ld.ToArray(); sa = la.ToArray(); sb = lb.ToArray();
    }

    static int[] AlignedStrides(int[] shape, int[] outShape)
    {
        int r = outShape.Length, off = r - shape.Length;
        var strides = new int[r];
        int acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i + off] = shape[i] == 1 ? 0 : acc;
            acc *= shape[i];
        }
        return strides;
    }

    /// <summary>Sums a gradient of the broadcast output shape back to an input's shape.</summary>
    public static Tensor SumTo(Tensor grad, int[] shape)
    {
        if (grad.Shape.AsSpan().SequenceEqual(shape)) return grad;
        int r = grad.Rank, off = r - shape.Length;
        var axes = new List<int>();
        for (int i = 0; i < r; i++)
        {
            int d = i < off ? 1 : shape[i - off];
            if (d == 1 && grad.Shape[i] != 1) axes.Add(i);
        }
        var summed = axes.Count == 0 ? grad : Reduce.SumRaw(grad, axes.ToArray());
        return summed.Reshape(shape);
    }
}
