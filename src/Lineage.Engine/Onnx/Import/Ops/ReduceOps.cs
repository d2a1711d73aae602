namespace Lineage.Engine.Onnx;

/// <summary>ReduceMean, ReduceSum, ReduceMax (global pooling written as reductions) and ReduceL2 (a normalisation's norm). Axes are an
/// attribute, except for ReduceSum from opset 13 where they are an optional input.</summary>
internal static class ReduceOps
{
    public static void Register(Dictionary<string, OpHandler> t)
    {
        t["ReduceMean"] = (n, i) => Reduce(n, i, (x, axes, keep) => x.Mean(axes, keep));
        t["ReduceSum"] = (n, i) => Reduce(n, i, (x, axes, keep) => x.Sum(axes, keep));
        t["ReduceMax"] = (n, i) => Reduce(n, i, (x, axes, keep) => x.Max(axes, keep));
        // F.normalize's norm: √(Σ x²)
        t["ReduceL2"] = (n, i) => Reduce(n, i, (x, axes, keep) => x.Square().Sum(axes, keep).Sqrt());
    }

    static OnnxValue?[] Reduce(OnnxNode node, OnnxValue?[] inputs, Func<Tensor, int[], bool, Tensor> op)
    {
        var x = node.FloatInput(inputs, 0);
        bool keep = node.Int("keepdims", 1) != 0;
        // axes became an optional input: ReduceSum's at opset 13, every other reduction's at 18
        var axes = node.OpType == "ReduceSum" && node.Opset >= 13 || node.Opset >= 18 ? inputs.Optional(1)?.AsLongs() : node.Ints("axes");
        if (axes == null || axes.Length == 0)
        {
            if (node.Int("noop_with_empty_axes", 0) != 0) return NodeInputs.One(x);
            axes = Enumerable.Range(0, x.Rank).Select(a => (long)a).ToArray();
        }
        var norm = axes.Select(a => (int)(a < 0 ? a + x.Rank : a)).ToArray();
        if (norm.Any(a => a < 0 || a >= x.Rank)) throw node.Invalid($"axes [{string.Join(", ", axes)}] for rank {x.Rank}");
        return NodeInputs.One(op(x, norm, keep));
    }
}
