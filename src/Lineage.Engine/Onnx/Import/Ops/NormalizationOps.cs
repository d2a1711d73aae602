namespace Lineage.Engine.Onnx;

/// <summary>BatchNormalization in inference form (normalises with the given mean and variance), and LayerNormalization
/// (opset 17: over the dimensions from <c>axis</c> on, as PyTorch's LayerNorm exports).</summary>
internal static class NormalizationOps
{
    public static void Register(Dictionary<string, OpHandler> t)
    {
        t["BatchNormalization"] = (n, i) => BatchNorm(n, i);
        t["LayerNormalization"] = (n, i) => LayerNorm(n, i);
    }

    static OnnxValue?[] LayerNorm(OnnxNode node, OnnxValue?[] inputs)
    {
        var x = node.FloatInput(inputs, 0);
        var scale = node.FloatInput(inputs, 1);
        var bias = inputs.Optional(2)?.ToFloat();
        int first = ShapeOps.Axis(node, node.Int("axis", -1), x.Rank);
        int[] normalized = x.Shape[first..];
        float eps = node.Float("epsilon", 1e-5f);
        bool exact = scale.Shape.AsSpan().SequenceEqual(normalized) && (bias == null || bias.Shape.AsSpan().SequenceEqual(normalized));
        // a scale or bias of another (broadcastable) shape is applied after the normalisation
        Tensor y;
        if (exact) y = Functional.LayerNorm(x, normalized, scale, bias, eps);
        else
        {
            y = Functional.LayerNorm(x, normalized, null, null, eps) * scale;
            if (bias != null) y = y + bias;
        }
        if (node.Outputs.Skip(1).All(o => o.Length == 0)) return NodeInputs.One(y);
        // the optional statistics, [d0, …, d(axis−1), 1, …, 1]: the mean and 1 / √(variance + ε) of each normalised group
        int[] axes = Enumerable.Range(first, x.Rank - first).ToArray();
        var mean = x.Mean(axes, keepDim: true);
        var centred = x - mean;
        var invStdDev = ((centred * centred).Mean(axes, keepDim: true) + eps).Sqrt().Pow(-1f);
        return [OnnxValue.Of(y), OnnxValue.Of(mean), OnnxValue.Of(invStdDev)];
    }

    static OnnxValue?[] BatchNorm(OnnxNode node, OnnxValue?[] inputs)
    {
        if (node.Int("training_mode", 0) != 0) throw node.Unsupported("training_mode=1 (batch statistics)");
        if (node.Outputs.Skip(1).Any(o => o.Length > 0)) throw node.Unsupported("the running-statistics outputs (training mode)");
        var x = node.FloatInput(inputs, 0);
        var scale = node.FloatInput(inputs, 1);
        var bias = node.FloatInput(inputs, 2);
        var mean = node.FloatInput(inputs, 3);
        var variance = node.FloatInput(inputs, 4);
        float eps = node.Float("epsilon", 1e-5f);
        // mean and variance are statistics, not trained values: the engine reads them without gradient
        return NodeInputs.One(Functional.BatchNorm(x, mean, variance, scale, bias, training: false, momentum: 0f, eps: eps));
    }
}
