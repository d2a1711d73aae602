using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Models.Architectures;

/// <summary>Activation choices of the UAP paper's CNN family (Table 1).</summary>
public enum ActivationKind { ReLU, PReLU, ELU }

/// <summary>
/// The UAP paper's configurable FMNIST CNN family (UAP Table 1): 2–4 conv layers of kernel 3 or 5,
/// ReLU/PReLU/ELU, dropout on or off. Architectures 1–5 of the paper are cnn-a … cnn-e in the catalog.
/// Conv layers 1–2 are followed by 2×2 max-pooling; layers 3–4 keep the resolution.
/// Names: features.{i} (conv, activation, pool …), classifier.{i}.
/// </summary>
public sealed class ConfigurableCnn : Classifier
{
    readonly string headPath, lastConvPath;

    public ConfigurableCnn(ArchitectureSpec spec, Generator gen, ActivationKind activation, int convLayers, int kernel, bool dropout) : base(spec)
    {
        if (convLayers < 2 || convLayers > 4) throw new ArgumentOutOfRangeException(nameof(convLayers), "the UAP CNN family has 2 to 4 conv layers");
        if (kernel != 3 && kernel != 5) throw new ArgumentOutOfRangeException(nameof(kernel), "the UAP CNN family uses kernel 3 or 5");
        int[] widths = [32, 64, 128, 128];
        var features = new Sequential();
        int cin = spec.InChannels, size = spec.ImageSize;
        for (int i = 0; i < convLayers; i++)
        {
            int cout = spec.Scale(widths[i]);
            features.Add(new Conv2d(cin, cout, kernel, gen, padding: kernel / 2));
            lastConvPath = $"features.{features.Count - 1}";
            features.Add(Activation(activation));
            if (i < 2) { features.Add(new MaxPool2d(2)); size /= 2; }
            cin = cout;
        }
        int hidden = spec.Scale(128);
        var classifier = new Sequential(new Flatten());
        if (dropout) classifier.Add(new Dropout(0.5f, gen.Fork()));
        classifier.Add(new Linear(cin * size * size, hidden, gen));
        classifier.Add(Activation(activation));
        if (dropout) classifier.Add(new Dropout(0.5f, gen.Fork()));
        classifier.Add(new Linear(hidden, spec.Classes, gen));
        headPath = $"classifier.{classifier.Count - 1}";
        lastConvPath ??= "features.0";
        RegisterModule("features", features);
        RegisterModule("classifier", classifier);
    }

    static Module Activation(ActivationKind kind) => kind switch
    {
        ActivationKind.ReLU => new ReLU(),
        ActivationKind.PReLU => new PReLU(1),
        _ => new ELU(),
    };

    public override string HeadPath => headPath;
    public override string? LastConvPath => lastConvPath;

    public override Tensor Forward(Tensor input) => Child("classifier").Forward(Child("features").Forward(input));
}
