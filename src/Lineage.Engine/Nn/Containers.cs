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
    /// does a convolution followed by a ReLU (<see cref="Conv2d.ForwardRelu"/>).</summary>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        Module? pending = null;
        foreach (var (_, m) in NamedChildren())
        {
            if (pending is BatchNormBase bn && m is ReLU) { x = bn.Forward(x, residual: null, relu: true); pending = null; continue; }
            if (pending is Conv2d conv && m is ReLU) { x = conv.ForwardRelu(x); pending = null; continue; }
            if (pending != null) x = pending.Forward(x);
            pending = m;
        }
        return pending != null ? pending.Forward(x) : x;
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
