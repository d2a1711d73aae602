namespace Lineage.Engine.Onnx;

/// <summary>Gemm and MatMul on engine matrix products.</summary>
internal static class MatMulOps
{
    public static void Register(Dictionary<string, OpHandler> t)
    {
        t["Gemm"] = (n, i) => NodeInputs.One(Gemm(n, i));
        t["MatMul"] = (n, i) => NodeInputs.One(MatMul(n.FloatInput(i, 0), n.FloatInput(i, 1)));
    }

    /// <summary>Y = alpha·A'·B' + beta·C. The common exported form (transB = 1, alpha = beta = 1, C a
    /// vector) is a torch Linear, so it takes the fused engine op.</summary>
    static Tensor Gemm(OnnxNode node, OnnxValue?[] inputs)
    {
        var a = node.FloatInput(inputs, 0);
        var b = node.FloatInput(inputs, 1);
        var c = inputs.Optional(2)?.Float;
        if (a.Rank != 2 || b.Rank != 2) throw node.Invalid($"Gemm needs 2-D A and B, got {Tensor.FormatShape(a.Shape)} and {Tensor.FormatShape(b.Shape)}");
        bool transA = node.Int("transA", 0) != 0, transB = node.Int("transB", 0) != 0;
        float alpha = node.Float("alpha", 1f), beta = node.Float("beta", 1f);
        if (!transA && transB && alpha == 1f && (c == null || (beta == 1f && c.Rank == 1 && c.Shape[0] == b.Shape[0])))
            return Functional.Linear(a, b, c);
        var y = Functional.MatMul(transA ? a.T : a, transB ? b.T : b);
        if (alpha != 1f) y = y.Mul(alpha);
        if (c != null) y = Tensor.Add(y, beta == 1f ? c : c.Mul(beta));
        return y;
    }

    /// <summary>numpy.matmul: a 1-D operand gains a unit dimension that is removed again afterwards.</summary>
    internal static Tensor MatMul(Tensor a, Tensor b)
    {
        bool vecA = a.Rank == 1, vecB = b.Rank == 1;
        if (vecA) a = a.Unsqueeze(0);
        if (vecB) b = b.Unsqueeze(1);
        var y = Functional.MatMul(a, b);
        if (vecA) y = y.Squeeze(-2);
        if (vecB) y = y.Squeeze(-1);
        return y;
    }
}
