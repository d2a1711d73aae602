namespace Lineage.Engine;

/// <summary>Reshaping, permuting, slicing, joining, padding and flipping.</summary>
public sealed partial class Tensor
{
    /// <summary>A view with a new shape over the same buffer; one dimension may be -1.</summary>
    public Tensor Reshape(params int[] shape)
    {
        shape = (int[])shape.Clone();
        int infer = -1, known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1) { if (infer >= 0) throw new ArgumentException("reshape: only one dimension may be -1"); infer = i; }
            else known *= shape[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || Size % known != 0) throw new ArgumentException($"reshape: cannot infer -1 for {Size} elements into {FormatShape(shape)}");
            shape[infer] = Size / known;
        }
        if (ShapeSize(shape) != Size) throw new ArgumentException($"reshape: {FormatShape(Shape)} ({Size} elements) cannot become {FormatShape(shape)}");
        var o = new Tensor(Data, shape, pooled: false) { ViewBase = this };
        var original = Shape;
        return FromOp(o, "reshape", [this], g => [g.Reshape(original)]);
    }

    public Tensor View(params int[] shape) => Reshape(shape);

    /// <summary>Keeps dimension 0 and merges the rest ([N, ...] → [N, prod]).</summary>
    public Tensor Flatten(int startDim = 1)
    {
        startDim = NormAxis(startDim, Rank);
        var shape = Shape.Take(startDim).Append(Shape.Skip(startDim).Aggregate(1, (a, b) => a * b)).ToArray();
        return Reshape(shape);
    }

    public Tensor Unsqueeze(int axis)
    {
        int a = axis < 0 ? axis + Rank + 1 : axis;
        if (a < 0 || a > Rank) throw new ArgumentOutOfRangeException(nameof(axis));
        var s = Shape.ToList(); s.Insert(a, 1);
        return Reshape(s.ToArray());
    }

    public Tensor Squeeze(int axis)
    {
        int a = NormAxis(axis, Rank);
        if (Shape[a] != 1) throw new ArgumentException($"squeeze: dimension {axis} has size {Shape[a]}, not 1");
        var s = Shape.ToList(); s.RemoveAt(a);
        return Reshape(s.ToArray());
    }

    /// <summary>Broadcasts to a larger shape (copy).</summary>
    public Tensor Expand(params int[] shape)
    {
        var o = ExpandRaw(this, shape);
        var original = Shape;
        return FromOp(o, "expand", [this], g => [Broadcast.SumTo(g, original)]);
    }

    internal static Tensor ExpandRaw(Tensor x, int[] shape)
    {
        var target = Broadcast.ResultShape(x.Shape, shape, "expand");
        if (!target.AsSpan().SequenceEqual(shape)) throw new ArgumentException($"expand: {FormatShape(x.Shape)} cannot expand to {FormatShape(shape)}");
        if (x.Shape.AsSpan().SequenceEqual(shape)) return x;
        var o = Empty(shape);
        var zero = Zeros(1);
        Broadcast.Apply<Kernels.AddOp>(x, zero, o);
        return o;
    }

    /// <summary>Reorders dimensions (copy): result dimension i is input dimension perm[i].</summary>
    public Tensor Permute(params int[] perm)
    {
        var o = PermuteRaw(perm);
        var inv = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) inv[NormAxis(perm[i], Rank)] = i;
        return FromOp(o, "permute", [this], g => [g.PermuteRaw(inv)], new AxesArgs(perm.Select(x => NormAxis(x, Rank)).ToArray()));
    }

    internal Tensor PermuteRaw(int[] perm)
    {
        if (perm.Length != Rank) throw new ArgumentException($"permute: {perm.Length} axes for a tensor of rank {Rank}");
        var p = perm.Select(a => NormAxis(a, Rank)).ToArray();
        if (p.Distinct().Count() != Rank) throw new ArgumentException("permute: axes must be distinct");
        var outShape = p.Select(a => Shape[a]).ToArray();
        var o = Empty(outShape);
        var inStrides = Strides(Shape);
        var srcStride = p.Select(a => inStrides[a]).ToArray();
        var src = Data; var dst = o.Data;
        int rank = Rank;
        if (rank == 0) { dst[0] = src[0]; return o; }
        int inner = outShape[rank - 1], innerStride = srcStride[rank - 1];
        int rows = inner == 0 ? 0 : Size / inner;
        Par.For(rows, inner, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                int rem = r, off = 0;
                for (int d = rank - 2; d >= 0; d--) { int c = rem % outShape[d]; rem /= outShape[d]; off += c * srcStride[d]; }
                int baseOut = r * inner;
                if (innerStride == 1) Array.Copy(src, off, dst, baseOut, inner);
                else for (int j = 0; j < inner; j++) dst[baseOut + j] = src[off + j * innerStride];
            }
        });
        return o;
    }

    public Tensor Transpose(int dim0, int dim1)
    {
        var perm = Enumerable.Range(0, Rank).ToArray();
        int a = NormAxis(dim0, Rank), b = NormAxis(dim1, Rank);
        (perm[a], perm[b]) = (perm[b], perm[a]);
        return Permute(perm);
    }

    /// <summary>Matrix transpose of the last two dimensions.</summary>
    public Tensor T => Transpose(-2, -1);

    /// <summary>Elements start, start+step, ... (before end) along an axis (copy). Negative start/end count from the end.</summary>
    public Tensor Slice(int axis, int start, int end, int step = 1)
    {
        int a = NormAxis(axis, Rank), n = Shape[a];
        if (step <= 0) throw new ArgumentException("slice: step must be positive");
        if (start < 0) start += n;
        if (end < 0) end += n;
        start = Math.Clamp(start, 0, n); end = Math.Clamp(end, 0, n);
        int count = Math.Max(0, (end - start + step - 1) / step);
        var idx = new int[count];
        for (int i = 0; i < count; i++) idx[i] = start + i * step;
        return IndexSelect(a, idx);
    }

    /// <summary>Picks the given indices along an axis (copy) — e.g. gathering batch rows.</summary>
    public Tensor IndexSelect(int axis, int[] indices)
    {
        int a = NormAxis(axis, Rank), n = Shape[a];
        foreach (var i in indices) if ((uint)i >= (uint)n) throw new IndexOutOfRangeException($"index {i} out of range for dimension {a} of size {n}");
        int outer = 1, inner = 1;
        for (int d = 0; d < a; d++) outer *= Shape[d];
        for (int d = a + 1; d < Rank; d++) inner *= Shape[d];
        var shape = (int[])Shape.Clone(); shape[a] = indices.Length;
        var o = Empty(shape);
        var src = Data; var dst = o.Data;
        int k = indices.Length;
        Par.For(outer * k, inner, (s, e) =>
        {
            for (int r = s; r < e; r++)
            {
                int ou = r / k, j = r % k;
                Array.Copy(src, (ou * n + indices[j]) * inner, dst, r * inner, inner);
            }
        });
        var original = Shape;
        return FromOp(o, "index_select", [this], g =>
        {
            var gi = Zeros(original);
            var gd = g.Data; var gid = gi.Data;
            for (int r = 0; r < outer * k; r++)
            {
                int ou = r / k, j = r % k;
                Kernels.Elementwise.AddInPlace(gid.AsSpan((ou * n + indices[j]) * inner, inner), gd.AsSpan(r * inner, inner));
            }
            return [gi];
        }, new IndexArgs(a, indices));
    }

    /// <summary>Joins tensors along an existing axis.</summary>
    public static Tensor Cat(IReadOnlyList<Tensor> parts, int axis = 0)
    {
        if (parts.Count == 0) throw new ArgumentException("cat: no tensors");
        var first = parts[0];
        int a = NormAxis(axis, first.Rank);
        int total = 0;
        foreach (var p in parts)
        {
            if (p.Rank != first.Rank) throw new ArgumentException($"cat: ranks differ ({FormatShape(first.Shape)} vs {FormatShape(p.Shape)})");
            for (int d = 0; d < p.Rank; d++)
                if (d != a && p.Shape[d] != first.Shape[d]) throw new ArgumentException($"cat: shapes {FormatShape(first.Shape)} and {FormatShape(p.Shape)} differ outside axis {a}");
            total += p.Shape[a];
        }
        int outer = 1, inner = 1;
        for (int d = 0; d < a; d++) outer *= first.Shape[d];
        for (int d = a + 1; d < first.Rank; d++) inner *= first.Shape[d];
        var shape = (int[])first.Shape.Clone(); shape[a] = total;
        var o = Empty(shape);
        var dst = o.Data;
        int offset = 0;
        var offsets = new int[parts.Count];
        for (int i = 0; i < parts.Count; i++)
        {
            offsets[i] = offset;
            var src = parts[i].Data; int len = parts[i].Shape[a] * inner;
            for (int ou = 0; ou < outer; ou++) Array.Copy(src, ou * len, dst, (ou * total + offset) * inner, len);
            offset += parts[i].Shape[a];
        }
        var arr = parts.ToArray();
        return FromOp(o, "cat", arr, g =>
        {
            var grads = new Tensor?[arr.Length];
            for (int i = 0; i < arr.Length; i++)
                if (arr[i].RequiresGrad) grads[i] = g.Slice(a, offsets[i], offsets[i] + arr[i].Shape[a]);
            return grads;
        }, new AxesArgs([a]));
    }

    /// <summary>Joins same-shape tensors along a new axis.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> parts, int axis = 0)
    {
        if (parts.Count == 0) throw new ArgumentException("stack: no tensors");
        foreach (var p in parts) if (!p.SameShape(parts[0])) throw new ArgumentException($"stack: shapes {FormatShape(parts[0].Shape)} and {FormatShape(p.Shape)} differ");
        int a = axis < 0 ? axis + parts[0].Rank + 1 : axis;
        return Cat(parts.Select(p => p.Unsqueeze(a)).ToList(), a);
    }

    /// <summary>Constant padding: pads[2*i], pads[2*i+1] are the amounts before/after axis i
    /// counted from the LAST axis backwards, as in torch.nn.functional.pad.</summary>
    public Tensor Pad(int[] pads, float value = 0f)
    {
        if (pads.Length % 2 != 0 || pads.Length / 2 > Rank) throw new ArgumentException($"pad: {pads.Length} values for rank {Rank}");
        var before = new int[Rank]; var after = new int[Rank];
        for (int i = 0; i < pads.Length / 2; i++) { before[Rank - 1 - i] = pads[2 * i]; after[Rank - 1 - i] = pads[2 * i + 1]; }
        var shape = new int[Rank];
        for (int d = 0; d < Rank; d++)
        {
            shape[d] = Shape[d] + before[d] + after[d];
            if (shape[d] < 0) throw new ArgumentException($"pad: negative size along axis {d}");
        }
        var o = Full(value, shape);
        // copy the overlapping region (negative pads crop)
        CopyRegion(this, o, before);
        var original = Shape;
        return FromOp(o, "pad", [this], g =>
        {
            var gi = Zeros(original);
            CopyRegion(g, gi, before.Select(b => -b).ToArray());
            return [gi];
        }, new PadArgs((int[])pads.Clone(), value));
    }

    /// <summary>dst[i + offset] = src[i] wherever both indices are in range.</summary>
    static void CopyRegion(Tensor src, Tensor dst, int[] offset)
    {
        int rank = src.Rank;
        if (rank == 0) { dst.Data[0] = src.Data[0]; return; }
        var ss = Strides(src.Shape); var ds = Strides(dst.Shape);
        int last = rank - 1;
        int lo = Math.Max(0, -offset[last]), hi = Math.Min(src.Shape[last], dst.Shape[last] - offset[last]);
        if (hi <= lo) return;
        int rows = src.Size / Math.Max(src.Shape[last], 1);
        var sd = src.Data; var dd = dst.Data;
        for (int r = 0; r < rows; r++)
        {
            int rem = r, so = 0, dof = 0; bool inside = true;
            for (int d = last - 1; d >= 0; d--)
            {
                int c = rem % src.Shape[d]; rem /= src.Shape[d];
                int dc = c + offset[d];
                if (dc < 0 || dc >= dst.Shape[d]) { inside = false; break; }
                so += c * ss[d]; dof += dc * ds[d];
            }
            if (!inside) continue;
            Array.Copy(sd, so + lo, dd, dof + lo + offset[last], hi - lo);
        }
    }

    /// <summary>Reverses the order of elements along the given axes.</summary>
    public Tensor Flip(params int[] axes)
    {
        var ax = axes.Select(a => NormAxis(a, Rank)).ToArray();
        var o = FlipRaw(ax);
        return FromOp(o, "flip", [this], g => [g.FlipRaw(ax)]);
    }

    Tensor FlipRaw(int[] axes)
    {
        var o = Empty(Shape);
        var st = Strides(Shape);
        var flip = new bool[Rank];
        foreach (var a in axes) flip[a] = true;
        var src = Data; var dst = o.Data;
        int n = Size;
        Par.For(n, 4, (s, e) =>
        {
            for (int i = s; i < e; i++)
            {
                int rem = i, off = 0;
                for (int d = Rank - 1; d >= 0; d--)
                {
                    int c = rem % Shape[d]; rem /= Shape[d];
                    off += (flip[d] ? Shape[d] - 1 - c : c) * st[d];
                }
                dst[i] = src[off];
            }
        });
        return o;
    }
}
