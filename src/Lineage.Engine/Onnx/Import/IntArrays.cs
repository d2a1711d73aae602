namespace Lineage.Engine.Onnx;

/// <summary>Array kernels for integer values (the shape side-graph): small, so written for clarity.</summary>
internal static class IntArrays
{
    public static OnnxValue Broadcast(OnnxValue a, OnnxValue b, Func<long, long, long> op)
    {
        var x = a.AsLongs(); var y = b.AsLongs();
        var (r, shape) = Elementwise([a.Shape, b.Shape], "integer broadcast", at => op(x[at[0]], y[at[1]]));
        return OnnxValue.OfInts(r, shape);
    }

    /// <summary>x where the condition is non-zero, else y, the three broadcast together (ONNX Where).</summary>
    public static OnnxValue Select(OnnxValue condition, OnnxValue x, OnnxValue y)
    {
        var c = condition.AsLongs(); var a = x.AsLongs(); var b = y.AsLongs();
        var (r, shape) = Elementwise([condition.Shape, x.Shape, y.Shape], "Where", at => c[at[0]] != 0 ? a[at[1]] : b[at[2]]);
        return OnnxValue.OfInts(r, shape, isBool: x.IsBool && y.IsBool);
    }

    /// <summary>One value per element of the operands' broadcast shape, from each operand's flat offset there.</summary>
    static (long[] Values, int[] Shape) Elementwise(int[][] shapes, string op, Func<int[], long> value)
    {
        var shape = shapes[0];
        foreach (var s in shapes.Skip(1)) shape = Lineage.Engine.Broadcast.ResultShape(shape, s, op);
        int rank = shape.Length;
        var r = new long[Tensor.ShapeSize(shape)];
        var idx = new int[rank];
        var at = new int[shapes.Length];
        for (int k = 0; k < r.Length; k++)
        {
            int rem = k;
            for (int d = rank - 1; d >= 0; d--) { idx[d] = rem % shape[d]; rem /= shape[d]; }
            for (int o = 0; o < shapes.Length; o++) at[o] = Offset(idx, shapes[o], rank);
            r[k] = value(at);
        }
        return (r, shape);
    }

    /// <summary>Flat offset in a tensor of <paramref name="shape"/> broadcast to <paramref name="rank"/> dimensions.</summary>
    static int Offset(int[] idx, int[] shape, int rank)
    {
        int off = 0, lead = rank - shape.Length;
        for (int d = 0; d < shape.Length; d++) off = off * shape[d] + (shape[d] == 1 ? 0 : idx[d + lead]);
        return off;
    }

    /// <summary>Selects <paramref name="indices"/> (already in range) along <paramref name="axis"/>: the
    /// result keeps the axis with indices.Length entries.</summary>
    public static OnnxValue Take(OnnxValue v, int axis, int[] indices)
    {
        var shape = v.Shape; var data = v.AsLongs();
        int outer = 1, inner = 1, n = shape[axis];
        for (int d = 0; d < axis; d++) outer *= shape[d];
        for (int d = axis + 1; d < shape.Length; d++) inner *= shape[d];
        var r = new long[outer * indices.Length * inner];
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < indices.Length; j++)
                Array.Copy(data, (o * n + indices[j]) * inner, r, (o * indices.Length + j) * inner, inner);
        var s = (int[])shape.Clone(); s[axis] = indices.Length;
        return OnnxValue.OfInts(r, s, v.IsBool);
    }

    public static OnnxValue Concat(IReadOnlyList<OnnxValue> parts, int axis)
    {
        var first = parts[0].Shape;
        int outer = 1, inner = 1, total = 0;
        for (int d = 0; d < axis; d++) outer *= first[d];
        for (int d = axis + 1; d < first.Length; d++) inner *= first[d];
        foreach (var p in parts)
        {
            if (p.Rank != first.Length) throw new InvalidDataException($"concat of ranks {first.Length} and {p.Rank}");
            total += p.Shape[axis];
        }
        var r = new long[outer * total * inner];
        int offset = 0;
        foreach (var p in parts)
        {
            var d = p.AsLongs(); int len = p.Shape[axis] * inner;
            for (int o = 0; o < outer; o++) Array.Copy(d, o * len, r, (o * total + offset) * inner, len);
            offset += p.Shape[axis];
        }
        var s = (int[])first.Clone(); s[axis] = total;
        return OnnxValue.OfInts(r, s);
    }

    public static OnnxValue Transpose(OnnxValue v, int[] perm)
    {
        var shape = v.Shape; var data = v.AsLongs();
        int rank = shape.Length;
        var outShape = perm.Select(p => shape[p]).ToArray();
        var inStrides = Tensor.Strides(shape);
        var r = new long[data.Length];
        var idx = new int[rank];
        for (int k = 0; k < r.Length; k++)
        {
            int rem = k, off = 0;
            for (int d = rank - 1; d >= 0; d--) { idx[d] = rem % outShape[d]; rem /= outShape[d]; }
            for (int d = 0; d < rank; d++) off += idx[d] * inStrides[perm[d]];
            r[k] = data[off];
        }
        return OnnxValue.OfInts(r, outShape, v.IsBool);
    }
}
