using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Generative;

/// <summary>
/// A DCGAN-style class-conditional generator: [z ‖ one-hot(c)] → Linear → 2w×s×s (s = side/4) → BN, ReLU →
/// ConvTranspose(4, stride 2) → w×2s×2s → BN, ReLU → ConvTranspose(4, stride 2) → C×4s×4s → tanh.
/// The one-hot concatenated to z feeds a linear layer, which is what a class embedding is. The output lies in
/// [-1, 1]; images in [0, 1] are (G(z, c) + 1) / 2, as NaturalFinger has it.
/// </summary>
public sealed class ConditionalGenerator : Module
{
    public GanSpec Spec { get; }
    readonly int side;

    public ConditionalGenerator(GanSpec spec, Generator gen)
    {
        spec.Validate();
        Spec = spec;
        side = spec.ImageSize / 4;
        int w = spec.Width;
        RegisterModule("project", new Linear(spec.LatentSize + spec.Classes, 2 * w * side * side, gen));
        RegisterModule("bn0", new BatchNorm2d(2 * w));
        RegisterModule("up1", new ConvTranspose2d(2 * w, w, 4, gen, stride: 2, padding: 1));
        RegisterModule("bn1", new BatchNorm2d(w));
        RegisterModule("up2", new ConvTranspose2d(w, spec.Channels, 4, gen, stride: 2, padding: 1));
        // DCGAN's initialisation (Radford et al., 2016): N(0, 0.02) weights, BN scales N(1, 0.02), zero biases. PyTorch's
        // default (fan-in from a transposed kernel's output channels) starts the last layer so large that tanh saturates
        // and the generator gets almost no gradient: measured here, it never left checkerboard noise in 400 iterations.
        foreach (var (name, t) in NamedParameters())
        {
            if (name.EndsWith("bias", StringComparison.Ordinal)) Init.Constant(t, 0);
            else if (name.StartsWith("bn", StringComparison.Ordinal)) Init.Normal(t, 1, 0.02f, gen);
            else Init.Normal(t, 0, 0.02f, gen);
        }
    }

    /// <summary>Input [N, latent + classes]: latents with their one-hot classes appended (<see cref="Condition"/>).</summary>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 2 || input.Shape[1] != Spec.LatentSize + Spec.Classes)
            throw new ArgumentException($"generator input must be [N, {Spec.LatentSize + Spec.Classes}] (latent ‖ one-hot class), got {Tensor.FormatShape(input.Shape)}");
        int n = input.Shape[0];
        var x = Child("project").Forward(input).Reshape(n, 2 * Spec.Width, side, side);
        x = Child("bn0").Forward(x).Relu();
        x = Child("bn1").Forward(Child("up1").Forward(x)).Relu();
        return Child("up2").Forward(x).Tanh();
    }

    /// <summary>[z ‖ one-hot(labels)]; z may require grad (NaturalFinger optimises it).</summary>
    public Tensor Condition(Tensor z, int[] labels)
    {
        if (z.Rank != 2 || z.Shape[1] != Spec.LatentSize || z.Shape[0] != labels.Length)
            throw new ArgumentException($"latents must be [{labels.Length}, {Spec.LatentSize}], got {Tensor.FormatShape(z.Shape)}");
        foreach (var c in labels)
            if (c < 0 || c >= Spec.Classes) throw new ArgumentException($"class {c} is outside the generator's {Spec.Classes} classes");
        return Tensor.Cat([z, Tensor.OneHot(labels, Spec.Classes)], 1);
    }

    /// <summary>Images in [0, 1] for latents z and classes (differentiable in z).</summary>
    public Tensor Images(Tensor z, int[] labels) => (Forward(Condition(z, labels)) + 1f) * 0.5f;
}
