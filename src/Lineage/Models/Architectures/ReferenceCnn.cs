using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Models.Architectures;

/// <summary>The engine benchmark's reference CNN: conv(32,3×3) ReLU pool, conv(64,3×3) ReLU pool, linear(128) ReLU, linear.
/// Its state-dict names are torch.nn.Sequential's ("0.weight" ... "9.bias").</summary>
public sealed class ReferenceCnn : Classifier
{
    readonly Sequential net;

    public ReferenceCnn(ArchitectureSpec spec, Generator gen) : base(spec)
    {
        int c1 = spec.Scale(32), c2 = spec.Scale(64), hidden = spec.Scale(128);
        int s = spec.ImageSize / 2 / 2;
        net = new Sequential(
            new Conv2d(spec.InChannels, c1, 3, gen, padding: 1), new ReLU(), new MaxPool2d(2),
            new Conv2d(c1, c2, 3, gen, padding: 1), new ReLU(), new MaxPool2d(2), new Flatten(),
            new Linear(c2 * s * s, hidden, gen), new ReLU(), new Linear(hidden, spec.Classes, gen));
        foreach (var (name, m) in net.NamedChildren()) RegisterModule(name, m);
    }

    public override string HeadPath => "9";
    public override string? LastConvPath => "3";

    /// <summary>Through the Sequential, so that each convolution and its ReLU run fused.</summary>
    public override Tensor Forward(Tensor input) => net.Forward(input);
}
