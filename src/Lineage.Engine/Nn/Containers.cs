namespace Lineage.Engine.Nn;

/// <summary>Runs its children in order; children are named "0", "1", ... as in torch.nn.Sequential.</summary>
public sealed class Sequential : Module
{
    int count;

    public Sequential(params Module[] layers)
    {
        foreach (var l in layers) Add(l);
    }

    public Sequential Add(Module layer)
    {
        RegisterModule((count++).ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        return this;
    }

    public int Count => count;
    public Module this[int index] => Child(index.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Runs the layers in order; a batch norm directly followed by a ReLU runs as one fused op
    /// (<see cref="BatchNormBase.Forward(Tensor, Tensor?, bool)"/>), which gives the same values and gradients, and so
    /// does a convolution followed by a ReLU (<see cref="Conv2d.ForwardRelu"/>). A convolution followed by a batch norm
    /// (and a ReLU) runs through <see cref="Conv2d.ForwardBatchNorm"/>: one convolution with the batch norm folded in
    /// when the batch norm is in evaluation mode and no gradient is recorded, else the two with the ReLU fused. A
    /// convolution, ReLU and 2×2 stride-2 max pooling run through <see cref="Conv2d.ForwardReluMaxPool"/>.</summary>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        var layers = NamedChildren().Select(c => c.Module).ToList();
        for (int i = 0; i < layers.Count; i++)
        {
            var m = layers[i];
            bool reluNext = i + 1 < layers.Count && layers[i + 1] is ReLU;
            if (m is Conv2d conv && i + 1 < layers.Count && layers[i + 1] is BatchNormBase bn)
            {
                bool relu = i + 2 < layers.Count && layers[i + 2] is ReLU;
                x = conv.ForwardBatchNorm(x, bn, residual: null, relu);
                i += relu ? 2 : 1;
            }
            else if (m is BatchNormBase norm && reluNext) { x = norm.Forward(x, residual: null, relu: true); i++; }
            else if (m is Conv2d cp && reluNext && i + 2 < layers.Count && layers[i + 2] is MaxPool2d { KernelSize: (2, 2), Stride: (2, 2), Padding: (0, 0) })
            {
                x = cp.ForwardReluMaxPool(x);
                i += 2;
            }
            else if (m is Conv2d c && reluNext) { x = c.ForwardRelu(x); i++; }
            else x = m.Forward(x);
        }
        return x;
    }
}

/// <summary>Passes its input through (a removed layer, an empty shortcut).</summary>
public sealed class Identity : Module
{
    public override Tensor Forward(Tensor input) => input;
}

/// <summary>Merges dimensions from <c>startDim</c> on, as torch.nn.Flatten.</summary>
public sealed class Flatten(int startDim = 1) : Module
{
    public override Tensor Forward(Tensor input) => input.Flatten(startDim);
}
