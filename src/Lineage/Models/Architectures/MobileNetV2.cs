using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Models.Architectures;

/// <summary>ReLU6 = min(max(x, 0), 6), MobileNetV2's activation.</summary>
public sealed class ReLU6 : Module
{
    public override Tensor Forward(Tensor input) => input.Clamp(0f, 6f);
}

/// <summary>MobileNetV2 inverted residual: 1×1 expand (t), 3×3 depthwise (stride s), 1×1 linear projection;
/// a residual connection when stride is 1 and channels match. Names as torchvision: conv.{i}.</summary>
public sealed class InvertedResidual : Module
{
    readonly bool residual;

    public InvertedResidual(int cin, int cout, int stride, int expand, Generator gen)
    {
        int hidden = cin * expand;
        residual = stride == 1 && cin == cout;
        var conv = new Sequential();
        if (expand != 1) conv.Add(ConvBnReLU6(cin, hidden, 1, 1, 1, gen));
        conv.Add(ConvBnReLU6(hidden, hidden, 3, stride, hidden, gen));
        conv.Add(new Conv2d(hidden, cout, 1, gen, bias: false));
        conv.Add(new BatchNorm2d(cout));
        RegisterModule("conv", conv);
    }

    internal static Sequential ConvBnReLU6(int cin, int cout, int kernel, int stride, int groups, Generator gen)
        => new(new Conv2d(cin, cout, kernel, gen, stride: stride, padding: kernel / 2, groups: groups, bias: false), new BatchNorm2d(cout), new ReLU6());

    public override Tensor Forward(Tensor input)
    {
        var y = Child("conv").Forward(input);
        return residual ? input + y : y;
    }
}

/// <summary>MobileNetV2 (Sandler et al.) for 28/32-pixel inputs: stride-1 stem and first stages, as CIFAR
/// adaptations do; the width multiplier scales every stage. Names: features.{i}, classifier.1.</summary>
public sealed class MobileNetV2 : Classifier
{
    // (expansion t, channels c, repeats n, stride s) — Sandler et al. Table 2, with the 2nd stage at stride 1 for small images
    static readonly (int t, int c, int n, int s)[] Stages =
        [(1, 16, 1, 1), (6, 24, 2, 1), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)];

    readonly string lastConvPath;

    public MobileNetV2(ArchitectureSpec spec, Generator gen) : base(spec)
    {
        var features = new Sequential();
        int cin = spec.Scale(32);
        features.Add(InvertedResidual.ConvBnReLU6(spec.InChannels, cin, 3, 1, 1, gen));
        foreach (var (t, c, n, s) in Stages)
        {
            int cout = spec.Scale(c);
            for (int i = 0; i < n; i++) { features.Add(new InvertedResidual(cin, cout, i == 0 ? s : 1, t, gen)); cin = cout; }
        }
        int last = spec.Scale(1280);
        features.Add(InvertedResidual.ConvBnReLU6(cin, last, 1, 1, 1, gen));
        lastConvPath = $"features.{features.Count - 1}.0";
        RegisterModule("features", features);
        RegisterModule("classifier", new Sequential(new Dropout(0.2f, gen.Fork()), new Linear(last, spec.Classes, gen)));
    }

    public override string HeadPath => "classifier.1";
    public override string? LastConvPath => lastConvPath;

    public override Tensor Forward(Tensor input)
    {
        var x = Child("features").Forward(input);
        return Child("classifier").Forward(Functional.AdaptiveAvgPool2d(x, 1, 1).Flatten());
    }
}
