namespace Lineage.Engine.Onnx;

/// <summary>BatchNormalization in inference form: normalises with the given mean and variance.</summary>
internal static class NormalizationOps
{
    public static void Register(Dictionary<string, OpHandler> t)
    {
        t["BatchNormalization"] = (n, i) => BatchNorm(n, i);
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
