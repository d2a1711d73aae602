using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Models.Architectures;

/// <summary>DenseNet-BC layer: bn-relu-conv1×1(4k)-bn-relu-conv3×3(k), output concatenated to the input.
/// Names as torchvision: norm1, conv1, norm2, conv2.</summary>
public sealed class DenseLayer : Module
{
    public DenseLayer(int cin, int growth, Generator gen)
    {
        RegisterModule("norm1", new BatchNorm2d(cin));
        RegisterModule("conv1", new Conv2d(cin, 4 * growth, 1, gen, bias: false));
        RegisterModule("norm2", new BatchNorm2d(4 * growth));
        RegisterModule("conv2", new Conv2d(4 * growth, growth, 3, gen, padding: 1, bias: false));
    }

    public override Tensor Forward(Tensor input)
    {
        var y = Child("conv1").Forward(Child("norm1").Forward(input).Relu());
        y = Child("conv2").Forward(Child("norm2").Forward(y).Relu());
        return Tensor.Cat([input, y], 1);
    }
}

/// <summary>DenseNet-BC transition: bn-relu-conv1×1 (compression 0.5)-avgpool 2.</summary>
public sealed class Transition : Module
{
    public Transition(int cin, int cout, Generator gen)
    {
        RegisterModule("norm", new BatchNorm2d(cin));
        RegisterModule("conv", new Conv2d(cin, cout, 1, gen, bias: false));
    }

    public override Tensor Forward(Tensor input)
        => Functional.AvgPool2d(Child("conv").Forward(Child("norm").Forward(input).Relu()), 2);
}

/// <summary>A small DenseNet-BC for CPU budgets: growth 12 (× width), three dense blocks of 4 layers,
/// compression 0.5. Names as torchvision: features.conv0, features.denseblock{b}.denselayer{l}, features.transition{b}, features.norm5, classifier.</summary>
public sealed class DenseNet : Classifier
{
    readonly string lastConvPath;

    public DenseNet(ArchitectureSpec spec, Generator gen, int layersPerBlock = 4, int blocks = 3) : base(spec)
    {
        int growth = spec.Scale(12);
        int channels = 2 * growth;
        var features = new NamedSequential();
        features.Add("conv0", new Conv2d(spec.InChannels, channels, 3, gen, padding: 1, bias: false));
        string last = "features.conv0";
        for (int b = 1; b <= blocks; b++)
        {
            var block = new NamedSequential();
            for (int l = 1; l <= layersPerBlock; l++)
            {
                block.Add($"denselayer{l}", new DenseLayer(channels, growth, gen));
                channels += growth;
                last = $"features.denseblock{b}.denselayer{l}.conv2";
            }
            features.Add($"denseblock{b}", block);
            if (b < blocks)
            {
                features.Add($"transition{b}", new Transition(channels, channels / 2, gen));
                channels /= 2;
            }
        }
        features.Add("norm5", new BatchNorm2d(channels));
        lastConvPath = last;
        RegisterModule("features", features);
        RegisterModule("classifier", new Linear(channels, spec.Classes, gen));
    }

    public override string HeadPath => "classifier";
    public override string? LastConvPath => lastConvPath;

    public override Tensor Forward(Tensor input)
    {
        var x = Child("features").Forward(input).Relu();
        return Child("classifier").Forward(Functional.AdaptiveAvgPool2d(x, 1, 1).Flatten());
    }
}

/// <summary>Runs named children in order (torch.nn.Sequential built from an OrderedDict).</summary>
public sealed class NamedSequential : Module
{
    public NamedSequential Add(string name, Module module) { RegisterModule(name, module); return this; }

    public override Tensor Forward(Tensor input)
    {
        var x = input;
        foreach (var (_, m) in NamedChildren()) x = m.Forward(x);
        return x;
    }
}
