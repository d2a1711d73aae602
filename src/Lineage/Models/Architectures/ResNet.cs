using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Models.Architectures;

/// <summary>ResNet basic block: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)); the shortcut is a
/// 1×1 conv + bn ("downsample") when the shape changes, as in torchvision.</summary>
public sealed class BasicBlock : Module
{
    public BasicBlock(int cin, int cout, int stride, Generator gen)
    {
        RegisterModule("conv1", new Conv2d(cin, cout, 3, gen, stride: stride, padding: 1, bias: false));
        RegisterModule("bn1", new BatchNorm2d(cout));
        RegisterModule("conv2", new Conv2d(cout, cout, 3, gen, padding: 1, bias: false));
        RegisterModule("bn2", new BatchNorm2d(cout));
        if (stride != 1 || cin != cout)
            RegisterModule("downsample", new Sequential(new Conv2d(cin, cout, 1, gen, stride: stride, bias: false), new BatchNorm2d(cout)));
    }

    /// <summary>relu(bn1(conv1(x))), then relu(bn2(conv2(y)) + shortcut(x)); each batch norm runs fused with
    /// the add and ReLU that follow it (one pass instead of three), and in inference is folded into its
    /// convolution (<see cref="Conv2d.ForwardBatchNorm"/>), the downsample then computed in conv1's pass over x
    /// (<see cref="Conv2d.ForwardBatchNormWithProjection"/>). A child replaced by another module (Fine-Pruning
    /// records a batch norm's output through a wrapper) runs as itself, the fusions around it skipped.</summary>
    public override Tensor Forward(Tensor input)
    {
        Tensor y, shortcut;
        if (NamedChildren().All(c => c.Name != "downsample"))
            (y, shortcut) = (ConvBatchNorm("conv1", "bn1", input, residual: null), input);
        else if (Child("conv1") is Conv2d conv1 && Child("bn1") is BatchNormBase bn1
                 && Child("downsample") is Sequential { Count: 2 } downsample && downsample[0] is Conv2d projection && downsample[1] is BatchNormBase projectionBn)
            (y, shortcut) = conv1.ForwardBatchNormWithProjection(input, bn1, relu: true, projection, projectionBn);
        else (y, shortcut) = (ConvBatchNorm("conv1", "bn1", input, residual: null), Child("downsample").Forward(input));
        return ConvBatchNorm("conv2", "bn2", y, shortcut);
    }

    /// <summary>relu(bn(conv(x)) + residual), fused when both children are still a convolution and a batch norm.</summary>
    Tensor ConvBatchNorm(string conv, string bn, Tensor x, Tensor? residual)
    {
        if (Child(conv) is Conv2d c && Child(bn) is BatchNormBase b) return c.ForwardBatchNorm(x, b, residual, relu: true);
        var y = Child(bn).Forward(Child(conv).Forward(x));
        return (residual is null ? y : y + residual).Relu();
    }
}

/// <summary>
/// ResNets for small images: ResNet-18/34 (torchvision layout with a 3×3 stem and no max-pool, the usual
/// CIFAR adaptation; 4 stages of 64–512 channels) and He et al.'s CIFAR ResNet-20/56 (3 stages of 16–64
/// channels, n = 3 or 9 blocks each). Names: conv1, bn1, layer{k}.{i}.*, fc.
/// </summary>
public sealed class ResNet : Classifier
{
    readonly string lastConvPath;

    public ResNet(ArchitectureSpec spec, Generator gen, int[] blocksPerStage, int[] stageWidths) : base(spec)
    {
        int stem = spec.Scale(stageWidths[0]);
        RegisterModule("conv1", new Conv2d(spec.InChannels, stem, 3, gen, padding: 1, bias: false));
        RegisterModule("bn1", new BatchNorm2d(stem));
        int cin = stem;
        string last = "conv1";
        for (int s = 0; s < blocksPerStage.Length; s++)
        {
            int cout = spec.Scale(stageWidths[s]);
            var stage = new Sequential();
            for (int b = 0; b < blocksPerStage[s]; b++)
            {
                stage.Add(new BasicBlock(cin, cout, b == 0 && s > 0 ? 2 : 1, gen));
                cin = cout;
                last = $"layer{s + 1}.{b}.conv2";
            }
            RegisterModule($"layer{s + 1}", stage);
        }
        lastConvPath = last;
        RegisterModule("fc", new Linear(cin, spec.Classes, gen));
    }

    public static ResNet ResNet18(ArchitectureSpec spec, Generator gen) => new(spec, gen, [2, 2, 2, 2], [64, 128, 256, 512]);
    public static ResNet ResNet34(ArchitectureSpec spec, Generator gen) => new(spec, gen, [3, 4, 6, 3], [64, 128, 256, 512]);
    public static ResNet ResNet20(ArchitectureSpec spec, Generator gen) => new(spec, gen, [3, 3, 3], [16, 32, 64]);
    public static ResNet ResNet56(ArchitectureSpec spec, Generator gen) => new(spec, gen, [9, 9, 9], [16, 32, 64]);

    public override string HeadPath => "fc";
    public override string? LastConvPath => lastConvPath;

    public override Tensor Forward(Tensor input)
    {
        var x = Child("bn1").Forward(Child("conv1").Forward(input)).Relu();
        foreach (var (name, m) in NamedChildren())
            if (name.StartsWith("layer", StringComparison.Ordinal)) x = m.Forward(x);
        x = Functional.AdaptiveAvgPool2d(x, 1, 1).Flatten();
        return Child("fc").Forward(x);
    }
}
