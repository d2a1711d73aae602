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

    /// <summary>Images in [0, 1] for given latents and classes, without gradients, in eval mode and in batches.</summary>
    public Tensor ImagesOf(Tensor z, int[] classes, int batch = 256)
    {
        Eval();
        var parts = new List<Tensor>();
        for (int i = 0; i < classes.Length; i += batch)
        {
            using var _ = GradMode.NoGrad();
            using var scope = TensorScope.Begin();
            int end = Math.Min(classes.Length, i + batch);
            parts.Add(G.Images(z.Slice(0, i, end), classes[i..end]).ClonePersistent());
        }
        return Tensor.Cat(parts, 0).ClonePersistent();
    }

    /// <summary>Images in [0, 1] for seeded latents (samples, grids, quality checks).</summary>
    public Tensor Sample(int[] labels, Generator gen) => ImagesOf(Tensor.Randn(gen, labels.Length, Spec.LatentSize), labels);
}
