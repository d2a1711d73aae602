namespace Lineage.Engine.Nn;

/// <summary>torch.nn.Dropout: inverted dropout in training mode, identity in evaluation mode.
/// Masks come from the layer's own seeded generator so a run is reproducible.</summary>
public sealed class Dropout : Module
{
    Generator gen;
    public float P { get; }

    public Dropout(float p, Generator gen)
    {
        if (p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), $"dropout probability must be in [0, 1], got {p}");
        P = p;
        this.gen = gen;
    }

    public override Tensor Forward(Tensor input) => Functional.Dropout(input, P, Training, gen);

    /// <summary>A copy sharing the generator would interleave draws with the original (and race across
    /// threads), so the copy gets a forked stream of its own.</summary>
    protected override void OnCloned() => gen = gen.Fork();

    protected override string ExtraRepr() => $"(p={P})";
}
