using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Generative;

/// <summary>
/// A spectrally normalised projection discriminator (Miyato and Koyama, ICLR 2018), as SAGAN conditions its
/// critic: three SN convolutions (4/2, 4/2, 3/1) with leaky ReLU, global average pooling to h, and
/// D(x, c) = ψ(h) + ⟨embed(c), h⟩. It reads images in [-1, 1], the generator's range. Trained with the hinge
/// loss, so D ≥ 1 says real and D ≤ −1 says generated.
/// </summary>
public sealed class ProjectionDiscriminator : Module
{
    public GanSpec Spec { get; }
    const float Slope = 0.1f;

    public ProjectionDiscriminator(GanSpec spec, Generator gen)
    {
        spec.Validate();
        Spec = spec;
        int w = spec.Width;
        RegisterModule("conv1", new SpectralNormConv2d(spec.Channels, w, 4, gen, stride: 2, padding: 1));
        RegisterModule("conv2", new SpectralNormConv2d(w, 2 * w, 4, gen, stride: 2, padding: 1));
        RegisterModule("conv3", new SpectralNormConv2d(2 * w, 2 * w, 3, gen, stride: 1, padding: 1));
        RegisterModule("linear", new SpectralNormLinear(2 * w, 1, gen));
        RegisterModule("embed", new SpectralNormLinear(spec.Classes, 2 * w, gen, bias: false));
    }

    /// <summary>The critic needs the class as well as the image: call <see cref="Score"/>.</summary>
    public override Tensor Forward(Tensor input) =>
        throw new NotSupportedException("the projection discriminator scores an image with its class: call Score(images, labels)");

    /// <summary>D(x, c) for images in [-1, 1] ([N, C, H, W]) and their classes: one score per image, [N].</summary>
    public Tensor Score(Tensor images, int[] labels)
    {
        if (images.Rank != 4 || images.Shape[1] != Spec.Channels || images.Shape[2] != Spec.ImageSize || images.Shape[3] != Spec.ImageSize || images.Shape[0] != labels.Length)
            throw new ArgumentException($"discriminator input must be [{labels.Length}, {Tensor.FormatShape(Spec.ImageShape)[1..^1]}], got {Tensor.FormatShape(images.Shape)}");
        var x = Child("conv1").Forward(images).LeakyRelu(Slope);
        x = Child("conv2").Forward(x).LeakyRelu(Slope);
        x = Child("conv3").Forward(x).LeakyRelu(Slope);
        // average, not SNGAN's sum: summed over 7×7 positions the scores reached ±20 in 100 iterations and the hinge's
        // margin of 1 stopped meaning anything (docs/naturalfinger.md)
        var h = x.Mean([2, 3]);
        var plain = Child("linear").Forward(h).Reshape(labels.Length);
        var projection = (Child("embed").Forward(Tensor.OneHot(labels, Spec.Classes)) * h).Sum(1);
        return plain + projection;
    }
}
