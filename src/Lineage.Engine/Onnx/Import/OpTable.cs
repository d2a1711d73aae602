namespace Lineage.Engine.Onnx;

/// <summary>Runs one node: given its input values (null where an optional input is absent), returns
/// its outputs in order (trailing optional outputs may be left out).</summary>
internal delegate OnnxValue?[] OpHandler(OnnxNode node, OnnxValue?[] inputs);

/// <summary>The supported ONNX ops (default domain) by op type; each family of ops registers itself
/// from its own file under Ops/.</summary>
internal static class OpTable
{
    static readonly Dictionary<string, OpHandler> handlers = Build();

    static Dictionary<string, OpHandler> Build()
    {
        var t = new Dictionary<string, OpHandler>(StringComparer.Ordinal);
        ElementwiseOps.Register(t);
        MatMulOps.Register(t);
        ConvOps.Register(t);
        PoolOps.Register(t);
        NormalizationOps.Register(t);
        SoftmaxOps.Register(t);
        ShapeOps.Register(t);
        ReduceOps.Register(t);
        return t;
    }

    public static bool TryGet(string opType, out OpHandler handler) => handlers.TryGetValue(opType, out handler!);

    public static IReadOnlyCollection<string> SupportedOps => handlers.Keys;
}

/// <summary>Input access shared by the op families.</summary>
internal static class NodeInputs
{
    public static OnnxValue Input(this OnnxNode node, OnnxValue?[] inputs, int index)
    {
        if (index >= inputs.Length || inputs[index] == null) throw node.Invalid($"input {index} is missing");
        return inputs[index]!;
    }

    /// <summary>A required input that must be a float tensor (the differentiable path).</summary>
    public static Tensor FloatInput(this OnnxNode node, OnnxValue?[] inputs, int index)
    {
        var v = node.Input(inputs, index);
        return v.Float ?? throw node.Unsupported($"input {index} of type {v.Describe()} (only float tensors are)");
    }

    public static OnnxValue? Optional(this OnnxValue?[] inputs, int index) => index < inputs.Length ? inputs[index] : null;

    public static OnnxValue?[] One(Tensor t) => [OnnxValue.Of(t)];
    public static OnnxValue?[] One(OnnxValue v) => [v];
}
