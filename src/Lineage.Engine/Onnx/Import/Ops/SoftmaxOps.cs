namespace Lineage.Engine.Onnx;

/// <summary>Softmax and LogSoftmax. Before opset 13 the axis splits the input into a 2-D matrix
/// [prod(dims before axis), prod(dims from axis)] normalised per row (default axis 1); from 13 on
/// it is a single axis (default −1).</summary>
internal static class SoftmaxOps
{
    public static void Register(Dictionary<string, OpHandler> t)
    {
        t["Softmax"] = (n, i) => NodeInputs.One(Apply(n, n.FloatInput(i, 0), Functional.Softmax));
        t["LogSoftmax"] = (n, i) => NodeInputs.One(Apply(n, n.FloatInput(i, 0), Functional.LogSoftmax));
    }

    static Tensor Apply(OnnxNode node, Tensor x, Func<Tensor, int, Tensor> op)
    {
        if (node.Opset >= 13) return op(x, (int)node.Int("axis", -1));
        int axis = (int)node.Int("axis", 1);
        if (axis < 0) axis += x.Rank;
        if (axis < 0 || axis > x.Rank) throw node.Invalid($"axis {node.Int("axis", 1)} for input of rank {x.Rank}");
        int rows = x.Shape[..axis].Aggregate(1, (a, b) => a * b);
        int cols = x.Shape[axis..].Aggregate(1, (a, b) => a * b);
        return op(x.Reshape(rows, cols), 1).Reshape(x.Shape);
    }
}
