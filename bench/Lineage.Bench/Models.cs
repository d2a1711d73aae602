using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Bench;

/// <summary>The reference CNN of torch_reference.py (same layers, same PyTorch default init).</summary>
public static class Models
{
    public static Sequential Cnn(Generator gen) => new(
        new Conv2d(1, 32, 3, gen, padding: 1), new ReLU(), new MaxPool2d(2),
        new Conv2d(32, 64, 3, gen, padding: 1), new ReLU(), new MaxPool2d(2), new Flatten(),
        new Linear(64 * 7 * 7, 128, gen), new ReLU(), new Linear(128, 10, gen));
}

/// <summary>Basic residual block of the CIFAR ResNet-20 (as Block in torch_reference.py).</summary>
public sealed class ResidualBlock : Module
{
    readonly bool projection;

    public ResidualBlock(int cin, int cout, int stride, Generator gen)
    {
        RegisterModule("c1", new Conv2d(cin, cout, 3, gen, stride, 1, bias: false));
        RegisterModule("b1", new BatchNorm2d(cout));
        RegisterModule("c2", new Conv2d(cout, cout, 3, gen, 1, 1, bias: false));
        RegisterModule("b2", new BatchNorm2d(cout));
        projection = stride != 1 || cin != cout;
        RegisterModule("sc", projection
            ? new Sequential(new Conv2d(cin, cout, 1, gen, stride, bias: false), new BatchNorm2d(cout))
            : new Sequential());
    }

    /// <summary>relu(b1(c1(x))), then relu(b2(c2(h)) + sc(x)); each batch norm runs fused with what follows it, and
    /// in inference is folded into its convolution, a projection shortcut computed in c1's pass over x.</summary>
    public override Tensor Forward(Tensor x)
    {
        var c1 = (Conv2d)Child("c1");
        var b1 = (BatchNormBase)Child("b1");
        var sc = (Sequential)Child("sc");
        var (h, shortcut) = projection
            ? c1.ForwardBatchNormWithProjection(x, b1, relu: true, (Conv2d)sc[0], (BatchNormBase)sc[1])
            : (c1.ForwardBatchNorm(x, b1, residual: null, relu: true), x);
        return ((Conv2d)Child("c2")).ForwardBatchNorm(h, (BatchNormBase)Child("b2"), residual: shortcut, relu: true);
    }
}

/// <summary>CIFAR-style ResNet-20 (3×32×32 inputs), as ResNet20 in torch_reference.py.</summary>
public sealed class ResNet20 : Module
{
    public ResNet20(Generator gen, int classes = 10)
    {
        RegisterModule("stem", new Sequential(new Conv2d(3, 16, 3, gen, 1, 1, bias: false), new BatchNorm2d(16), new ReLU()));
        var layers = new Sequential();
        int cin = 16;
        foreach (var (cout, stride) in new[] { (16, 1), (32, 2), (64, 2) })
            for (int i = 0; i < 3; i++) { layers.Add(new ResidualBlock(cin, cout, i == 0 ? stride : 1, gen)); cin = cout; }
        RegisterModule("layers", layers);
        RegisterModule("fc", new Linear(64, classes, gen));
    }

    public override Tensor Forward(Tensor x)
        => Child("fc").Forward(Functional.AdaptiveAvgPool2d(Child("layers").Forward(Child("stem").Forward(x)), 1).Flatten(1));
}
