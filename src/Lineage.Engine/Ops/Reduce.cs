using Lineage.Engine.Kernels;

namespace Lineage.Engine;

/// <summary>Reduction kernels over any set of axes.</summary>
internal static class Reduce
{
    public static int[] NormAxes(int[]? axes, int rank)
    {
        if (axes == null || axes.Length == 0) return Enumerable.Range(0, rank).ToArray();
        var s = new SortedSet<int>();
        foreach (var a in axes) if (!s.Add(Tensor.NormAxis(a, rank))) throw new ArgumentException($"axis {a} repeated");
        return s.ToArray();
    }

    public static int[] KeepDimShape(int[] shape, int[] axes)
    {
        var s = (int[])shape.Clone();
        foreach (var a in axes) s[a] = 1;
        return s;
    }

    public static int[] DropDimShape(int[] shape, int[] axes)
        => shape.Where((_, i) => Array.IndexOf(axes, i) < 0).ToArray();

    /// <summary>Sum over axes; result has the kept-dim shape (reduced axes of size 1).</summary>
    public static Tensor SumRaw(Tensor x, int[] axes)
    {
        var cur = x;
        // reduce contiguous blocks of axes from the last block to the first: each pass is [outer, R, inner] -> [outer, inner]
        int i = axes.Length - 1;
        while (i >= 0)
        {
            int hi = axes[i], lo = hi;
            while (i > 0 && axes[i - 1] == lo - 1) { i--; lo--; }
            i--;
            cur = SumBlock(cur, lo, hi);
        }
        return cur.Rank == x.Rank ? cur : cur.Reshape(KeepDimShape(x.Shape, axes));
    }

    static Tensor SumBlock(Tensor x, int lo, int hi)
    {
        int outer = 1, r = 1, inner = 1;
        for (int d = 0; d < lo; d++) outer *= x.Shape[d];
        for (int d = lo; d <= hi; d++) r *= x.Shape[d];
        for (int d = hi + 1; d < x.Rank; d++) inner *= x.Shape[d];
        var shape = (int[])x.Shape.Clone();
        for (int d = lo; d <= hi; d++) shape[d] = 1;
        var o = Tensor.Empty(shape);
        var src = x.Data; var dst = o.Data;
        if (inner == 1)
        {
            Par.For(outer, r, (s, e) => { for (int k = s; k < e; k++) dst[k] = Elementwise.Sum(src.AsSpan(k * r, r)); });
        }
        else
        {
            // parallel over columns of the inner block when outer is small (e.g. summing a batch axis)
            if (outer >= EngineSettings.Threads || inner < 64)
                Par.For(outer, (long)r * inner, (s, e) =>
                {
                    for (int k = s; k < e; k++)
                    {
                        var acc = dst.AsSpan(k * inner, inner);
                        src.AsSpan(k * r * inner, inner).CopyTo(acc);
                        for (int j = 1; j < r; j++) Elementwise.AddInPlace(acc, src.AsSpan((k * r + j) * inner, inner));
                    }
                });
            else
                for (int k = 0; k < outer; k++)
                {
                    int kk = k;
                    Par.For(inner, r, (s, e) =>
                    {
                        var acc = dst.AsSpan(kk * inner + s, e - s);
                        src.AsSpan(kk * r * inner + s, e - s).CopyTo(acc);
                        for (int j = 1; j < r; j++) Elementwise.AddInPlace(acc, src.AsSpan((kk * r + j) * inner + s, e - s));
                    });
                }
        }
        return o;
    }

    /// <summary>Moves the reduced axes last (copy) so each output is one contiguous row; returns rows and row length.</summary>
    public static (Tensor rows, int rowLength) ReducedAxesLast(Tensor x, int[] axes)
    {
        var rest = Enumerable.Range(0, x.Rank).Where(a => Array.IndexOf(axes, a) < 0);
        var perm = rest.Concat(axes).ToArray();
        int len = 1;
        foreach (var a in axes) len *= x.Shape[a];
        var p = perm.SequenceEqual(Enumerable.Range(0, x.Rank)) ? x : x.PermuteRaw(perm);
        return (p, len);
    }
}

public sealed partial class Tensor
{
    /// <summary>Sum over the given axes (all when none), optionally keeping reduced axes as size 1.</summary>
    public Tensor Sum(int[]? axes = null, bool keepDim = false)
    {
        var ax = Reduce.NormAxes(axes, Rank);
        var o = Reduce.SumRaw(this, ax);
        if (!keepDim) o = o.Reshape(Reduce.DropDimShape(Shape, ax));
        var shape = Shape;
        return FromOp(o, "sum", [this], g => [ExpandRaw(g.Reshape(Reduce.KeepDimShape(shape, ax)), shape)], new AxesArgs(ax, keepDim));
    }

    public Tensor Sum(int axis, bool keepDim = false) => Sum([axis], keepDim);

    public Tensor Mean(int[]? axes = null, bool keepDim = false)
    {
        var ax = Reduce.NormAxes(axes, Rank);
        int count = 1;
        foreach (var a in ax) count *= Shape[a];
        return Sum(ax, keepDim).Mul(1f / Math.Max(count, 1));
    }

    public Tensor Mean(int axis, bool keepDim = false) => Mean([axis], keepDim);

    /// <summary>Variance over axes; unbiased (n − 1) by default as in PyTorch.</summary>
    public Tensor Var(int[]? axes = null, bool unbiased = true, bool keepDim = false)
    {
        var ax = Reduce.NormAxes(axes, Rank);
        int count = 1;
        foreach (var a in ax) count *= Shape[a];
        var centered = this - Mean(ax, keepDim: true);
        var ss = (centered * centered).Sum(ax, keepDim);
        return ss.Mul(1f / Math.Max(unbiased ? count - 1 : count, 1));
    }

    public Tensor Var(int axis, bool unbiased = true, bool keepDim = false) => Var([axis], unbiased, keepDim);

    public Tensor Max(int[]? axes = null, bool keepDim = false) => Extremum(axes, keepDim, max: true);
    public Tensor Min(int[]? axes = null, bool keepDim = false) => Extremum(axes, keepDim, max: false);
    public Tensor Max(int axis, bool keepDim = false) => Extremum([axis], keepDim, max: true);
    public Tensor Min(int axis, bool keepDim = false) => Extremum([axis], keepDim, max: false);

    /// <summary>Max or min over axes; the gradient goes to the first extreme element of each reduced group.</summary>
    Tensor Extremum(int[]? axes, bool keepDim, bool max)
    {
        var ax = Reduce.NormAxes(axes, Rank);
        if (Size == 0) throw new InvalidOperationException("max/min of an empty tensor");
        var (rows, len) = Reduce.ReducedAxesLast(this, ax);
        int nOut = rows.Size / len;
        var o = Empty(keepDim ? Reduce.KeepDimShape(Shape, ax) : Reduce.DropDimShape(Shape, ax));
        var idx = new int[nOut];
        var rd = rows.Data; var od = o.Data;
        for (int k = 0; k < nOut; k++)
        {
            int best = 0; float bv = rd[k * len];
            for (int j = 1; j < len; j++)
            {
                float v = rd[k * len + j];
                if (max ? v > bv : v < bv) { bv = v; best = j; }
            }
            od[k] = bv; idx[k] = best;
        }
        var shape = Shape;
        return FromOp(o, max ? "max" : "min", [this], g =>
        {
            // scatter into the permuted layout, then permute back
            var rest = Enumerable.Range(0, shape.Length).Where(a => Array.IndexOf(ax, a) < 0).ToArray();
            var perm = rest.Concat(ax).ToArray();
            var permShape = perm.Select(p => shape[p]).ToArray();
            var scattered = Zeros(permShape);
            var sd = scattered.Data; var gd = g.Data;
            for (int k = 0; k < nOut; k++) sd[k * len + idx[k]] = gd[k];
            var inv = new int[perm.Length];
            for (int i = 0; i < perm.Length; i++) inv[perm[i]] = i;
            return [scattered.PermuteRaw(inv)];
        });
    }

    /// <summary>Index of the largest value along an axis (first on ties), as integers.</summary>
    public int[] ArgMax(int axis = -1)
    {
        var ax = NormAxis(axis, Rank);
        var (rows, len) = Reduce.ReducedAxesLast(this, [ax]);
        int nOut = rows.Size / len;
        var result = new int[nOut];
        var rd = rows.Data;
        for (int k = 0; k < nOut; k++)
        {
            int best = 0; float bv = rd[k * len];
            for (int j = 1; j < len; j++) if (rd[k * len + j] > bv) { bv = rd[k * len + j]; best = j; }
            result[k] = best;
        }
        return result;
    }

    /// <summary>The k largest values along the last axis, sorted descending, with their indices.</summary>
    public (Tensor values, int[] indices) TopK(int k)
    {
        int len = Shape[^1];
        if (k < 1 || k > len) throw new ArgumentOutOfRangeException(nameof(k), $"top-k with k={k} on an axis of size {len}");
        int rows = Size / len;
        var shape = (int[])Shape.Clone(); shape[^1] = k;
        var vals = Empty(shape);
        var idx = new int[rows * k];
        var d = Data; var vd = vals.Data;
        var order = new int[len];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < len; j++) order[j] = j;
            int rr = r;
            Array.Sort(order, (p, q) => { int c = d[rr * len + q].CompareTo(d[rr * len + p]); return c != 0 ? c : p.CompareTo(q); });
            for (int j = 0; j < k; j++) { idx[r * k + j] = order[j]; vd[r * k + j] = d[r * len + order[j]]; }
        }
        var full = Shape;
        var result = FromOp(vals, "topk", [this], g =>
        {
            var gi = Zeros(full);
            var gid = gi.Data; var gd = g.Data;
            for (int r = 0; r < rows; r++) for (int j = 0; j < k; j++) gid[r * len + idx[r * k + j]] += gd[r * k + j];
            return [gi];
        });
        return (result, idx);
    }
}
