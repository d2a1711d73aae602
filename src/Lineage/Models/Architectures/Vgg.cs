using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Models.Architectures;

/// <summary>
/// VGG-11/13/16 with batch-norm in the CIFAR form (3×3 convs, a single Linear(512) classifier).
/// Names follow torchvision's vgg*_bn: features.{i} (conv, bn, relu, pool) and classifier.
/// A pooling step is skipped once the feature map is 1×1 so 28×28 inputs work too.
/// </summary>
public sealed class Vgg : Classifier
{
    static readonly Dictionary<int, object[]> Configs = new()
    {
        [11] = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
        [13] = [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
        [16] = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    };

    readonly string lastConvPath;

    public Vgg(ArchitectureSpec spec, Generator gen, int depth) : base(spec)
    {
        if (!Configs.TryGetValue(depth, out var cfg)) throw new ArgumentException($"VGG depth {depth} is not one of 11, 13, 16");
        var features = new Sequential();
        int cin = spec.InChannels, size = spec.ImageSize;
        string last = "";
        foreach (var item in cfg)
        {
            if (item is string)
            {
                if (size >= 2) { features.Add(new MaxPool2d(2)); size /= 2; }
                continue;
            }
            int cout = spec.Scale((int)item);
            features.Add(new Conv2d(cin, cout, 3, gen, padding: 1));
            last = $"features.{features.Count - 1}";
            features.Add(new BatchNorm2d(cout));
            features.Add(new ReLU());
            cin = cout;
        }
        features.Add(new AdaptiveAvgPool2d(1));
        lastConvPath = last;
        RegisterModule("features", features);
        RegisterModule("classifier", new Linear(cin, spec.Classes, gen));
    }

    public override string HeadPath => "classifier";
    public override string? LastConvPath => lastConvPath;
    public override Tensor Forward(Tensor input) => Child("classifier").Forward(Child("features").Forward(input).Flatten());
}
