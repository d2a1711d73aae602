using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Generative;

/// <summary>A class-conditional GAN: the generator and its discriminator, kept together because NaturalFinger uses
/// both (the discriminator's hinge term keeps optimised latents on natural-looking images). State-dict names are
/// "generator.*" and "discriminator.*".</summary>
public sealed class ConditionalGan : Module
{
    public GanSpec Spec { get; }
    public ConditionalGenerator G { get; }
    public ProjectionDiscriminator D { get; }

    public ConditionalGan(GanSpec spec, Generator gen)
    {
        Spec = spec;
        G = RegisterModule("generator", new ConditionalGenerator(spec, gen));
        D = RegisterModule("discriminator", new ProjectionDiscriminator(spec, gen));
    }

    public override Tensor Forward(Tensor input) => G.Forward(input);

    /// <summary>Images in [0, 1] for seeded latents, without gradients (samples, grids, quality checks).</summary>
    public Tensor Sample(int[] labels, Generator gen)
    {
        using var _ = GradMode.NoGrad();
        var z = Tensor.Randn(gen, labels.Length, Spec.LatentSize);
        return G.Images(z, labels).ClonePersistent();
    }

    /// <summary><see cref="Sample"/> in batches, for counts that would not fit one forward pass comfortably.</summary>
    public Tensor SampleMany(int[] labels, Generator gen, int batch = 256)
    {
        var parts = new List<Tensor>();
        for (int i = 0; i < labels.Length; i += batch)
        {
            using var scope = TensorScope.Begin();
            parts.Add(Sample(labels[i..Math.Min(labels.Length, i + batch)], gen));
        }
        return Tensor.Cat(parts, 0).ClonePersistent();
    }
}
