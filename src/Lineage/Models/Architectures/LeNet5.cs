using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Models.Architectures;

/// <summary>LeNet-5 with ReLU and max-pooling: conv 6@5×5, conv 16@5×5, fc 120, fc 84, fc classes.
/// A 28×28 input is padded by 2 in the first conv so both input sizes reach 16×5×5.</summary>
public sealed class LeNet5 : Classifier
{
    public LeNet5(ArchitectureSpec spec, Generator gen) : base(spec)
    {
        int c1 = spec.Scale(6), c2 = spec.Scale(16);
        int pad = spec.ImageSize == 28 ? 2 : 0;
        int size = ((spec.ImageSize + 2 * pad - 4) / 2 - 4) / 2;
        if (size < 1) throw new ArgumentException($"LeNet-5 needs inputs of at least 28×28, got {spec.ImageSize}");
        RegisterModule("conv1", new Conv2d(spec.InChannels, c1, 5, gen, padding: pad));
        RegisterModule("conv2", new Conv2d(c1, c2, 5, gen));
        RegisterModule("fc1", new Linear(c2 * size * size, spec.Scale(120), gen));
        RegisterModule("fc2", new Linear(spec.Scale(120), spec.Scale(84), gen));
        RegisterModule("fc3", new Linear(spec.Scale(84), spec.Classes, gen));
    }

    public override string HeadPath => "fc3";
    public override string? LastConvPath => "conv2";

    public override Tensor Forward(Tensor input)
    {
        var x = Functional.MaxPool2d(Child("conv1").Forward(input).Relu(), 2);
        x = Functional.MaxPool2d(Child("conv2").Forward(x).Relu(), 2);
        x = Child("fc1").Forward(x.Flatten()).Relu();
        x = Child("fc2").Forward(x).Relu();
        return Child("fc3").Forward(x);
    }
}
