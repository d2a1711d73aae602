namespace Lineage.Engine.Nn;

/// <summary>torch.nn.Upsample(scale_factor, mode='nearest') for integer scale factors.</summary>
public sealed class Upsample((int H, int W) scaleFactor) : Module
{
    public (int H, int W) ScaleFactor { get; } = scaleFactor;
    public Upsample(int scaleFactor) : this((scaleFactor, scaleFactor)) { }
    public override Tensor Forward(Tensor input) => Functional.UpsampleNearest2d(input, ScaleFactor);
    protected override string ExtraRepr() => $"(scale_factor={ScaleFactor}, mode=nearest)";
}
