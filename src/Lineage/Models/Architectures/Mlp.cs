using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Models.Architectures;

/// <summary>A multi-layer perceptron on flattened images: 512 and 256 hidden units (× width), ReLU.</summary>
public sealed class Mlp : Classifier
{
    public Mlp(ArchitectureSpec spec, Generator gen) : base(spec)
    {
        int inputs = spec.InChannels * spec.ImageSize * spec.ImageSize;
        RegisterModule("layers", new Sequential(
            new Flatten(),
            new Linear(inputs, spec.Scale(512), gen), new ReLU(),
            new Linear(spec.Scale(512), spec.Scale(256), gen), new ReLU(),
            new Linear(spec.Scale(256), spec.Classes, gen)));
    }

    public override string HeadPath => "layers.5";
    public override string? LastConvPath => null;
    public override Tensor Forward(Tensor input) => Child("layers").Forward(input);
}
