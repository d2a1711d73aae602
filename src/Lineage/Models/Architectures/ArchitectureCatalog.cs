using Lineage.Engine;

namespace Lineage.Models.Architectures;

/// <summary>Every architecture by name, so model files, zoo specs and the CLI can rebuild a classifier from its spec.</summary>
public static class ArchitectureCatalog
{
    static readonly Dictionary<string, (string description, Func<ArchitectureSpec, Generator, Classifier> build)> Entries = new()
    {
        ["reference-cnn"] = ("the engine benchmark's CNN: 2 conv (32, 64) + 2 linear", (s, g) => new ReferenceCnn(s, g)),
        ["cnn-a"] = ("UAP Table 1 architecture 1: ELU, kernel 3, 2 conv, no dropout", (s, g) => new ConfigurableCnn(s, g, ActivationKind.ELU, 2, 3, false)),
        ["cnn-b"] = ("UAP Table 1 architecture 2: ELU, kernel 5, 3 conv, no dropout", (s, g) => new ConfigurableCnn(s, g, ActivationKind.ELU, 3, 5, false)),
        ["cnn-c"] = ("UAP Table 1 architecture 3: ReLU, kernel 3, 2 conv, no dropout", (s, g) => new ConfigurableCnn(s, g, ActivationKind.ReLU, 2, 3, false)),
        ["cnn-d"] = ("UAP Table 1 architecture 4: PReLU, kernel 3, 4 conv, no dropout", (s, g) => new ConfigurableCnn(s, g, ActivationKind.PReLU, 4, 3, false)),
        ["cnn-e"] = ("UAP Table 1 architecture 5: ReLU, kernel 5, 2 conv, dropout", (s, g) => new ConfigurableCnn(s, g, ActivationKind.ReLU, 2, 5, true)),
        ["lenet5"] = ("LeNet-5 with ReLU and max-pooling", (s, g) => new LeNet5(s, g)),
        ["mlp"] = ("MLP 512-256", (s, g) => new Mlp(s, g)),
        ["vgg11"] = ("VGG-11 with batch-norm", (s, g) => new Vgg(s, g, 11)),
        ["vgg13"] = ("VGG-13 with batch-norm", (s, g) => new Vgg(s, g, 13)),
        ["vgg16"] = ("VGG-16 with batch-norm", (s, g) => new Vgg(s, g, 16)),
        ["resnet18"] = ("ResNet-18 (3×3 stem)", (s, g) => ResNet.ResNet18(s, g)),
        ["resnet34"] = ("ResNet-34 (3×3 stem)", (s, g) => ResNet.ResNet34(s, g)),
        ["resnet20"] = ("He et al.'s CIFAR ResNet-20", (s, g) => ResNet.ResNet20(s, g)),
        ["resnet56"] = ("He et al.'s CIFAR ResNet-56", (s, g) => ResNet.ResNet56(s, g)),
        ["mobilenetv2"] = ("MobileNetV2 (depthwise separable, inverted residuals)", (s, g) => new MobileNetV2(s, g)),
        ["densenet"] = ("small DenseNet-BC (growth 12, 3 blocks of 4 layers)", (s, g) => new DenseNet(s, g)),
        [EnsembleClassifier.ArchitectureName] = ("average voting over member classifiers (CAE's ensemble attack); members listed in the spec", (s, g) => new EnsembleClassifier(s, g)),
    };

    public static IReadOnlyCollection<string> Names => Entries.Keys;

    public static string Describe(string name) => Entries.TryGetValue(name, out var e) ? e.description : throw Unknown(name);

    public static bool Contains(string name) => Entries.ContainsKey(name);

    /// <summary>Builds a freshly initialised classifier; the generator makes the initial weights reproducible.</summary>
    public static Classifier Create(ArchitectureSpec spec, Generator gen)
    {
        if (!Entries.TryGetValue(spec.Name, out var e)) throw Unknown(spec.Name);
        if (spec.InChannels <= 0 || spec.ImageSize < 8 || spec.Classes < 2)
            throw new ArgumentException($"architecture {spec.Name}: needs ≥ 1 input channel, images ≥ 8 pixels and ≥ 2 classes (got {spec})");
        if (!(spec.Width > 0)) throw new ArgumentException($"architecture {spec.Name}: width multiplier must be positive, got {spec.Width}");
        return e.build(spec, gen);
    }

    static ArgumentException Unknown(string name)
        => new($"unknown architecture '{name}'; choose one of: {string.Join(", ", Entries.Keys)}");
}
