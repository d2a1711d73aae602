namespace Lineage.Engine.Nn;

/// <summary>y = x Wᵀ + b with weight [out, in], as torch.nn.Linear (same init).</summary>
public sealed class Linear : Module
{
    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Tensor Weight => Param("weight")!;
    public Tensor? Bias => Param("bias");

    public Linear(int inFeatures, int outFeatures, Generator gen, bool bias = true)
    {
        InFeatures = inFeatures; OutFeatures = outFeatures;
        var w = Tensor.Persistent(outFeatures, inFeatures);
        var b = bias ? Tensor.Persistent(outFeatures) : null;
        Init.DefaultLayer(w, b, gen);
        RegisterParameter("weight", w);
        if (b != null) RegisterParameter("bias", b); else RegisterAbsentParameter("bias");
    }

    public override Tensor Forward(Tensor input) => Functional.Linear(input, Weight, Bias);
    protected override string ExtraRepr() => $"({InFeatures} -> {OutFeatures}{(Bias == null ? ", no bias" : "")})";
}
