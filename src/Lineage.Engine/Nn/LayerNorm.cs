namespace Lineage.Engine.Nn;

/// <summary>torch.nn.LayerNorm over the trailing <c>normalizedShape</c>: weight = 1, bias = 0.</summary>
public sealed class LayerNorm : Module
{
    public int[] NormalizedShape { get; }
    public float Eps { get; }
    public Tensor? Weight => Param("weight");
    public Tensor? Bias => Param("bias");

    public LayerNorm(int[] normalizedShape, float eps = 1e-5f, bool elementwiseAffine = true, bool bias = true)
    {
        if (normalizedShape.Length == 0) throw new ArgumentException("layer norm needs a non-empty normalized shape");
        NormalizedShape = (int[])normalizedShape.Clone();
        Eps = eps;
        if (elementwiseAffine) RegisterParameter("weight", Tensor.Persistent(NormalizedShape)).Span.Fill(1f);
        else RegisterAbsentParameter("weight");
        if (elementwiseAffine && bias) RegisterParameter("bias", Tensor.Persistent(NormalizedShape));
        else RegisterAbsentParameter("bias");
    }

    public LayerNorm(int normalizedSize, float eps = 1e-5f) : this([normalizedSize], eps) { }

    public override Tensor Forward(Tensor input) => Functional.LayerNorm(input, NormalizedShape, Weight, Bias, Eps);
    protected override string ExtraRepr() => $"({Tensor.FormatShape(NormalizedShape)}, eps={Eps})";
}
