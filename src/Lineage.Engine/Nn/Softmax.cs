namespace Lineage.Engine.Nn;

/// <summary>torch.nn.Softmax along <c>dim</c>.</summary>
public sealed class Softmax(int dim = -1) : Module
{
    public int Dim { get; } = dim;
    public override Tensor Forward(Tensor input) => Functional.Softmax(input, Dim);
    protected override string ExtraRepr() => $"(dim={Dim})";
}

/// <summary>torch.nn.LogSoftmax along <c>dim</c>.</summary>
public sealed class LogSoftmax(int dim = -1) : Module
{
    public int Dim { get; } = dim;
    public override Tensor Forward(Tensor input) => Functional.LogSoftmax(input, Dim);
    protected override string ExtraRepr() => $"(dim={Dim})";
}
