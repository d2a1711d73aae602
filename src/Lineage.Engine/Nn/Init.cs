namespace Lineage.Engine.Nn;

/// <summary>Weight initialisations with PyTorch's formulas (torch.nn.init); every one takes a seeded generator.</summary>
public static class Init
{
    /// <summary>fan_in and fan_out as torch computes them: dim 1 and dim 0 times the receptive field.</summary>
    public static (int fanIn, int fanOut) Fans(int[] shape)
    {
        if (shape.Length < 2) throw new ArgumentException($"fan in/out needs a tensor of rank ≥ 2, got {Tensor.FormatShape(shape)}");
        int receptive = 1;
        for (int i = 2; i < shape.Length; i++) receptive *= shape[i];
        return (shape[1] * receptive, shape[0] * receptive);
    }

    public static void Uniform(Tensor t, float low, float high, Generator gen)
    {
        var d = t.Span;
        for (int i = 0; i < d.Length; i++) d[i] = low + (high - low) * gen.NextFloat();
    }

    public static void Normal(Tensor t, float mean, float std, Generator gen)
    {
        var d = t.Span;
        for (int i = 0; i < d.Length; i++) d[i] = mean + std * (float)gen.NextNormal();
    }

    public static void Constant(Tensor t, float value) => t.Span.Fill(value);

    static float LeakyReluGain(float a) => MathF.Sqrt(2f / (1f + a * a));

    /// <summary>kaiming_uniform_(a, mode='fan_in', nonlinearity='leaky_relu'): bound = gain·√(3/fan_in).</summary>
    public static void KaimingUniform(Tensor t, float a, Generator gen)
    {
        var (fanIn, _) = Fans(t.Shape);
        float bound = LeakyReluGain(a) * MathF.Sqrt(3f / fanIn);
        Uniform(t, -bound, bound, gen);
    }

    /// <summary>kaiming_normal_(mode='fan_out', nonlinearity='relu'), as torchvision's ResNets use.</summary>
    public static void KaimingNormalFanOut(Tensor t, Generator gen)
    {
        var (_, fanOut) = Fans(t.Shape);
        Normal(t, 0f, MathF.Sqrt(2f / fanOut), gen);
    }

    public static void XavierUniform(Tensor t, Generator gen, float gain = 1f)
    {
        var (fanIn, fanOut) = Fans(t.Shape);
        float bound = gain * MathF.Sqrt(6f / (fanIn + fanOut));
        Uniform(t, -bound, bound, gen);
    }

    /// <summary>PyTorch's default for Linear and Conv layers: weight kaiming_uniform_(a=√5), i.e. U(±1/√fan_in),
    /// and bias U(±1/√fan_in).</summary>
    public static void DefaultLayer(Tensor weight, Tensor? bias, Generator gen, int? fanInOverride = null)
    {
        KaimingUniform(weight, MathF.Sqrt(5f), gen);
        if (bias != null)
        {
            int fanIn = fanInOverride ?? Fans(weight.Shape).fanIn;
            float bound = fanIn > 0 ? 1f / MathF.Sqrt(fanIn) : 0f;
            Uniform(bias, -bound, bound, gen);
        }
    }
}
