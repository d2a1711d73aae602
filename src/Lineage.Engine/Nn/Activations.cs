namespace Lineage.Engine.Nn;

public sealed class ReLU : Module { public override Tensor Forward(Tensor input) => input.Relu(); }
public sealed class Sigmoid : Module { public override Tensor Forward(Tensor input) => input.Sigmoid(); }
public sealed class Tanh : Module { public override Tensor Forward(Tensor input) => input.Tanh(); }
public sealed class GELU : Module { public override Tensor Forward(Tensor input) => input.Gelu(); }
public sealed class SiLU : Module { public override Tensor Forward(Tensor input) => input.Silu(); }

public sealed class LeakyReLU(float negativeSlope = 0.01f) : Module
{
    public float NegativeSlope { get; } = negativeSlope;
    public override Tensor Forward(Tensor input) => input.LeakyRelu(NegativeSlope);
    protected override string ExtraRepr() => $"({NegativeSlope})";
}

public sealed class ELU(float alpha = 1f) : Module
{
    public float Alpha { get; } = alpha;
    public override Tensor Forward(Tensor input) => input.Elu(Alpha);
    protected override string ExtraRepr() => $"({Alpha})";
}

/// <summary>PReLU with <c>numParameters</c> slopes (1 shared or one per channel), initialised to 0.25 as in PyTorch.</summary>
public sealed class PReLU : Module
{
    public Tensor Weight => Param("weight")!;
    public PReLU(int numParameters = 1, float init = 0.25f)
    {
        RegisterParameter("weight", Tensor.Persistent(numParameters)).Span.Fill(init);
    }
    public override Tensor Forward(Tensor input) => input.Prelu(Weight);
}
