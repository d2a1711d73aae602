using Lineage.Engine.Onnx.Proto;
using DataType = Lineage.Engine.Onnx.Proto.TensorProto.Types.DataType;

namespace Lineage.Engine.Onnx;

/// <summary>Layout ops (Flatten, Reshape, Transpose, Concat, Pad, Squeeze/Unsqueeze, Slice, Gather,
/// Expand), graph plumbing (Identity, Dropout, Constant, Cast) and the shape arithmetic that exporters
/// emit for a dynamic batch (Shape, ConstantOfShape and the same layout ops on integer values).</summary>
internal static class ShapeOps
{
    public static void Register(Dictionary<string, OpHandler> t)
    {
        t["Identity"] = (n, i) => NodeInputs.One(n.Input(i, 0));
        t["Dropout"] = Dropout;
        t["Constant"] = (n, _) => NodeInputs.One(Constant(n));
        t["Cast"] = (n, i) => NodeInputs.One(Cast(n, n.Input(i, 0)));
        t["Shape"] = (n, i) => NodeInputs.One(Shape(n, n.Input(i, 0)));
        t["ConstantOfShape"] = (n, i) => NodeInputs.One(ConstantOfShape(n, n.Input(i, 0)));
        t["Flatten"] = (n, i) => NodeInputs.One(Flatten(n, n.Input(i, 0)));
        t["Reshape"] = (n, i) => NodeInputs.One(Reshape(n, i));
        t["Transpose"] = (n, i) => NodeInputs.One(Transpose(n, n.Input(i, 0)));
        t["Concat"] = (n, i) => NodeInputs.One(Concat(n, i));
        t["Pad"] = (n, i) => NodeInputs.One(Pad(n, i));
        t["Unsqueeze"] = (n, i) => NodeInputs.One(Unsqueeze(n, i));
        t["Squeeze"] = (n, i) => NodeInputs.One(Squeeze(n, i));
        t["Slice"] = (n, i) => NodeInputs.One(Slice(n, i));
        t["Gather"] = (n, i) => NodeInputs.One(Gather(n, n.Input(i, 0), n.Input(i, 1)));
        t["Expand"] = (n, i) => NodeInputs.One(Expand(n, n.Input(i, 0), n.Input(i, 1).AsInts()));
        t["Split"] = (n, i) => Split(n, i);
    }

    /// <summary>Split along an axis (torch.chunk, a fused qkv projection's unbind): sizes from the `split` attribute
    /// (before opset 13) or input, else equal parts, one per output (from 18 `num_outputs`, the last part smaller when
    /// uneven). Each part is a slice, so gradients reach the input.</summary>
    static OnnxValue?[] Split(OnnxNode node, OnnxValue?[] inputs)
    {
        var x = node.Input(inputs, 0);
        int axis = Axis(node, node.Int("axis", 0), x.Rank), dim = x.Shape[axis];
        int outputs = node.Outputs.Count;
        long[]? sizes = node.Opset < 13 ? node.Ints("split") : inputs.Optional(1)?.AsLongs();
        if (sizes == null || sizes.Length == 0)
        {
            int parts = node.Opset >= 18 && node.Int("num_outputs", 0) > 0 ? (int)node.Int("num_outputs", 0) : outputs;
            int chunk = node.Opset >= 18 ? (dim + parts - 1) / parts : dim / parts;
            if (node.Opset < 18 && dim % parts != 0) throw node.Invalid($"axis {axis} of size {dim} does not split into {parts} equal parts");
            sizes = Enumerable.Range(0, parts).Select(p => (long)Math.Clamp(dim - p * chunk, 0, chunk)).ToArray();
        }
        if (sizes.Length != outputs) throw node.Invalid($"{sizes.Length} split sizes for {outputs} outputs");
        if (sizes.Any(v => v < 0) || sizes.Sum() != dim) throw node.Invalid($"split sizes [{string.Join(", ", sizes)}] do not add up to axis {axis}'s {dim}");
        var result = new OnnxValue?[outputs];
        for (int p = 0, start = 0; p < outputs; start += (int)sizes[p], p++)
        {
            var idx = Enumerable.Range(start, (int)sizes[p]).ToArray();
            result[p] = x.IsFloat ? OnnxValue.Of(x.Float!.IndexSelect(axis, idx)) : IntArrays.Take(x, axis, idx);
        }
        return result;
    }

    /// <summary>An axis attribute or input (negative counts from the end) checked against the rank.</summary>
    internal static int Axis(OnnxNode node, long axis, int rank)
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw node.Invalid($"axis {axis} is out of range for rank {rank}");
        return (int)a;
    }

    static OnnxValue WithShape(OnnxValue v, int[] shape) =>
        v.IsFloat ? OnnxValue.Of(v.Float!.Reshape(shape)) : OnnxValue.OfInts(v.Ints!, shape, v.IsBool);

    static OnnxValue?[] Dropout(OnnxNode node, OnnxValue?[] inputs)
    {
        var x = node.Input(inputs, 0);
        // the importer runs graphs for inference: dropout is the identity unless a graph asks for training
        if (node.Opset >= 12 && inputs.Optional(2) is { } training && training.ScalarFloat() != 0)
            throw node.Unsupported("training_mode=true");
        if (node.Outputs.Count > 1 && node.Outputs[1].Length > 0)
            return [x, OnnxValue.OfInts(Enumerable.Repeat(1L, x.Size).ToArray(), x.Shape, isBool: true)];
        return [x];
    }

    static OnnxValue Constant(OnnxNode node)
    {
        if (node.TensorAttribute("value") is { } t) return TensorProtoReader.Read(t, node.Describe());
        if (node.Has("value_float")) return OnnxValue.Of(Tensor.FromArray([node.Float("value_float", 0)]));
        if (node.Floats("value_floats") is { } fs) return OnnxValue.Of(Tensor.FromArray(fs, fs.Length));
        if (node.Has("value_int")) return OnnxValue.OfInts([node.Int("value_int", 0)], []);
        if (node.Ints("value_ints") is { } ints) return OnnxValue.Vector(ints);
        throw node.Unsupported("a Constant without value, value_float(s) or value_int(s) (sparse and string constants)");
    }

    static OnnxValue Cast(OnnxNode node, OnnxValue x)
    {
        var to = (DataType)node.RequiredInt("to");
        switch (to)
        {
            case DataType.Float or DataType.Double:
                return x.IsFloat ? x : OnnxValue.Of(x.ToFloat());
            case DataType.Float16:
                // values stay float32 in the engine but take the precision of the narrower type
                return OnnxValue.Of(Tensor.FromArray(x.ToFloat().ToArray().Select(v => (float)(Half)v).ToArray(), x.Shape));
            case DataType.Bfloat16:
                // truncation to the upper 16 bits, as ONNX's reference implementation of this Cast does
                return OnnxValue.Of(Tensor.FromArray(x.ToFloat().ToArray().Select(v => BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(v) & 0xFFFF0000u)).ToArray(), x.Shape));
            case DataType.Bool:
                return OnnxValue.OfInts(x.IsFloat ? x.Float!.ToArray().Select(v => v != 0 ? 1L : 0L).ToArray() : x.Ints!.Select(v => v != 0 ? 1L : 0L).ToArray(), x.Shape, isBool: true);
            case DataType.Int64 or DataType.Int32 or DataType.Int16 or DataType.Int8 or DataType.Uint8 or DataType.Uint16 or DataType.Uint32 or DataType.Uint64:
                // float to integer truncates toward zero, as C casts do
                return x.IsFloat ? OnnxValue.OfInts(x.Float!.ToArray().Select(v => (long)v).ToArray(), x.Shape) : OnnxValue.OfInts(x.Ints!, x.Shape);
            default:
                throw node.Unsupported($"Cast to {to}");
        }
    }

    static OnnxValue Shape(OnnxNode node, OnnxValue x)
    {
        var shape = x.Shape;
        int rank = shape.Length;
        long start = node.Int("start", 0), end = node.Int("end", rank);
        if (start < 0) start += rank;
        if (end < 0) end += rank;
        start = Math.Clamp(start, 0, rank); end = Math.Clamp(end, start, rank);
        return OnnxValue.Vector(shape[(int)start..(int)end].Select(d => (long)d).ToArray());
    }

    static OnnxValue ConstantOfShape(OnnxNode node, OnnxValue shapeValue)
    {
        var shape = shapeValue.AsInts();
        var fill = node.TensorAttribute("value") is { } t ? TensorProtoReader.Read(t, node.Describe()) : OnnxValue.Of(Tensor.FromArray([0f]));
        if (fill.Size != 1) throw node.Invalid($"value must hold one element, got {fill.Describe()}");
        if (fill.IsFloat) return OnnxValue.Of(Tensor.Full(fill.ScalarFloat(), shape));
        return OnnxValue.OfInts(Enumerable.Repeat(fill.Ints![0], Tensor.ShapeSize(shape)).ToArray(), shape, fill.IsBool);
    }

    static OnnxValue Flatten(OnnxNode node, OnnxValue x)
    {
        long axis = node.Int("axis", 1);
        if (axis < 0) axis += x.Rank;
        if (axis < 0 || axis > x.Rank) throw node.Invalid($"axis {node.Int("axis", 1)} for input of rank {x.Rank}");
        int rows = x.Shape[..(int)axis].Aggregate(1, (a, b) => a * b);
        return WithShape(x, [rows, x.Size / Math.Max(rows, 1)]);
    }

    static OnnxValue Reshape(OnnxNode node, OnnxValue?[] inputs)
    {
        if (node.Opset < 5) throw node.Unsupported("Reshape before opset 5 (shape as an attribute)");
        var x = node.Input(inputs, 0);
        var shapeValue = node.Input(inputs, 1);
        var shape = shapeValue.AsInts();
        bool allowZero = node.Int("allowzero", 0) != 0;
        for (int i = 0; i < shape.Length; i++)
            if (shape[i] == 0 && !allowZero)
            {
                if (i >= x.Rank) throw node.Invalid($"shape {Tensor.FormatShape(shape)} copies dimension {i} of an input of rank {x.Rank}");
                shape[i] = x.Shape[i];
            }
        if (shape.Count(d => d == -1) > 1) throw node.Invalid($"shape {Tensor.FormatShape(shape)} has more than one -1");
        int known = shape.Where(d => d != -1).Aggregate(1, (a, b) => a * b);
        int infer = Array.IndexOf(shape, -1);
        if (infer >= 0) shape[infer] = known == 0 ? 0 : x.Size / known;
        if (Tensor.ShapeSize(shape) != x.Size) throw node.Invalid($"cannot reshape {x.Describe()} to {Tensor.FormatShape(shapeValue.AsInts())}");
        return WithShape(x, shape);
    }

    static OnnxValue Transpose(OnnxNode node, OnnxValue x)
    {
        var perm = node.Ints("perm")?.Select(p => Axis(node, p, x.Rank)).ToArray() ?? Enumerable.Range(0, x.Rank).Reverse().ToArray();
        if (perm.Length != x.Rank || perm.Distinct().Count() != x.Rank) throw node.Invalid($"perm [{string.Join(", ", perm)}] for rank {x.Rank}");
        return x.IsFloat ? OnnxValue.Of(x.Float!.Permute(perm)) : IntArrays.Transpose(x, perm);
    }

    static OnnxValue Concat(OnnxNode node, OnnxValue?[] inputs)
    {
        var parts = inputs.Where(v => v != null).Select(v => v!).ToList();
        if (parts.Count == 0) throw node.Invalid("no inputs");
        // axis became required in opset 4; before, it defaulted to 1
        int axis = Axis(node, node.Opset < 4 ? node.Int("axis", 1) : node.RequiredInt("axis"), parts[0].Rank);
        if (parts.All(p => p.IsFloat)) return OnnxValue.Of(Tensor.Cat(parts.Select(p => p.Float!).ToList(), axis));
        if (parts.Any(p => p.IsFloat)) throw node.Invalid($"inputs of different types: {string.Join(", ", parts.Select(p => p.Describe()))}");
        return IntArrays.Concat(parts, axis);
    }

    static OnnxValue Pad(OnnxNode node, OnnxValue?[] inputs)
    {
        var mode = node.String("mode", "constant");
        if (mode != "constant") throw node.Unsupported($"mode '{mode}' (constant is)");
        var x = node.FloatInput(inputs, 0);
        long[] pads; float value;
        if (node.Opset < 11)
        {
            pads = node.Ints("pads") ?? throw node.Invalid("the required attribute 'pads' is missing");
            value = node.Float("value", 0f);
        }
        else
        {
            pads = node.Input(inputs, 1).AsLongs();
            value = inputs.Optional(2)?.ScalarFloat() ?? 0f;
        }
        int rank = x.Rank;
        // opset 18: pads may cover only the axes listed in an optional fourth input; the others are not padded
        if (node.Opset >= 18 && inputs.Optional(3) is { } axesInput)
        {
            var axes = axesInput.AsLongs();
            if (pads.Length != 2 * axes.Length) throw node.Invalid($"pads has {pads.Length} values for {axes.Length} axes");
            var full = new long[2 * rank];
            for (int k = 0; k < axes.Length; k++)
            {
                int a = Axis(node, axes[k], rank);
                full[a] = pads[k];
                full[a + rank] = pads[k + axes.Length];
            }
            pads = full;
        }
        if (pads.Length != 2 * rank) throw node.Invalid($"pads has {pads.Length} values for rank {rank}");
        // ONNX lists all begins then all ends; the engine pairs (begin, end) from the last axis
        var enginePads = new int[2 * rank];
        for (int d = 0; d < rank; d++)
        {
            enginePads[2 * (rank - 1 - d)] = (int)pads[d];
            enginePads[2 * (rank - 1 - d) + 1] = (int)pads[d + rank];
        }
        return OnnxValue.Of(x.Pad(enginePads, value));
    }

    static long[] AxesOf(OnnxNode node, OnnxValue?[] inputs, bool required)
    {
        var axes = node.Opset >= 13 ? inputs.Optional(1)?.AsLongs() : node.Ints("axes");
        if (axes == null && required) throw node.Invalid("axes are missing");
        return axes ?? [];
    }

    static OnnxValue Unsqueeze(OnnxNode node, OnnxValue?[] inputs)
    {
        var x = node.Input(inputs, 0);
        var axes = AxesOf(node, inputs, required: true);
        int rank = x.Rank + axes.Length;
        var inserted = axes.Select(a => Axis(node, a, rank)).ToHashSet();
        if (inserted.Count != axes.Length) throw node.Invalid("repeated axes");
        var shape = new int[rank];
        for (int d = 0, src = 0; d < rank; d++) shape[d] = inserted.Contains(d) ? 1 : x.Shape[src++];
        return WithShape(x, shape);
    }

    static OnnxValue Squeeze(OnnxNode node, OnnxValue?[] inputs)
    {
        var x = node.Input(inputs, 0);
        var axes = AxesOf(node, inputs, required: false);
        var removed = axes.Length == 0
            ? Enumerable.Range(0, x.Rank).Where(d => x.Shape[d] == 1).ToHashSet()
            : axes.Select(a => Axis(node, a, x.Rank)).ToHashSet();
        foreach (var d in removed) if (x.Shape[d] != 1) throw node.Invalid($"cannot squeeze axis {d} of size {x.Shape[d]}");
        return WithShape(x, Enumerable.Range(0, x.Rank).Where(d => !removed.Contains(d)).Select(d => x.Shape[d]).ToArray());
    }

    static OnnxValue Slice(OnnxNode node, OnnxValue?[] inputs)
    {
        var x = node.Input(inputs, 0);
        long[] starts, ends, axes, steps;
        if (node.Opset < 10)
        {
            starts = node.Ints("starts") ?? throw node.Invalid("starts are missing");
            ends = node.Ints("ends") ?? throw node.Invalid("ends are missing");
            axes = node.Ints("axes") ?? Enumerable.Range(0, starts.Length).Select(a => (long)a).ToArray();
            steps = Enumerable.Repeat(1L, starts.Length).ToArray();
        }
        else
        {
            starts = node.Input(inputs, 1).AsLongs();
            ends = node.Input(inputs, 2).AsLongs();
            axes = inputs.Optional(3)?.AsLongs() ?? Enumerable.Range(0, starts.Length).Select(a => (long)a).ToArray();
            steps = inputs.Optional(4)?.AsLongs() ?? Enumerable.Repeat(1L, starts.Length).ToArray();
        }
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
            throw node.Invalid("starts, ends, axes and steps differ in length");
        for (int k = 0; k < starts.Length; k++)
        {
            int axis = Axis(node, axes[k], x.Rank);
            int dim = x.Shape[axis];
            long step = steps[k];
            if (step == 0) throw node.Invalid("a step of 0");
            long start = starts[k] < 0 ? starts[k] + dim : starts[k];
            long end = ends[k] < 0 ? ends[k] + dim : ends[k];
            // ONNX clamps to [0, dim] going forwards and to [-1, dim - 1] going backwards
            if (step > 0) { start = Math.Clamp(start, 0, dim); end = Math.Clamp(end, 0, dim); }
            else { start = Math.Clamp(start, 0, dim - 1); end = Math.Clamp(end, -1, dim - 1); }
            var idx = new List<int>();
            for (long i = start; step > 0 ? i < end : i > end; i += step) idx.Add((int)i);
            if (idx.Count == dim && step == 1) continue;
            x = x.IsFloat ? OnnxValue.Of(x.Float!.IndexSelect(axis, idx.ToArray())) : IntArrays.Take(x, axis, idx.ToArray());
        }
        return x;
    }

    static OnnxValue Gather(OnnxNode node, OnnxValue data, OnnxValue indices)
    {
        if (indices.IsFloat) throw node.Invalid($"indices must be integers, got {indices.Describe()}");
        int axis = Axis(node, node.Int("axis", 0), data.Rank);
        int dim = data.Shape[axis];
        var idx = indices.Ints!.Select(i =>
        {
            long j = i < 0 ? i + dim : i;
            if (j < 0 || j >= dim) throw node.Invalid($"index {i} is out of range for axis {axis} of size {dim}");
            return (int)j;
        }).ToArray();
        var picked = data.IsFloat ? OnnxValue.Of(data.Float!.IndexSelect(axis, idx)) : IntArrays.Take(data, axis, idx);
        // the indexed axis is replaced by the shape of the indices
        int[] shape = [.. data.Shape[..axis], .. indices.Shape, .. data.Shape[(axis + 1)..]];
        return WithShape(picked, shape);
    }

    static OnnxValue Expand(OnnxNode node, OnnxValue x, int[] shape)
    {
        // ONNX Expand is bidirectional broadcasting of the input against the given shape
        var target = Broadcast.ResultShape(x.Shape, shape, "Expand");
        int rank = target.Length;
        if (x.IsFloat) return OnnxValue.Of(x.Float!.Rank < rank ? x.Float.Reshape([.. Enumerable.Repeat(1, rank - x.Rank), .. x.Shape]).Expand(target) : x.Float.Expand(target));
        return IntArrays.Broadcast(x, OnnxValue.OfInts(new long[Tensor.ShapeSize(target)], target), (a, _) => a);
    }
}
