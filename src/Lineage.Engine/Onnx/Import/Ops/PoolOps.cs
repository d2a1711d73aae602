namespace Lineage.Engine.Onnx;

/// <summary>MaxPool, AveragePool (1-D and 2-D) and the global pools. The engine pools take symmetric
/// padding of at most half the kernel in floor mode; other windows (asymmetric or SAME_* padding,
/// ceil_mode) pad explicitly first: with −∞ for max, and for average with zeros, dividing by the
/// pooled mask of counted positions so count_include_pad keeps its meaning.</summary>
internal static class PoolOps
{
    public static void Register(Dictionary<string, OpHandler> t)
    {
        t["MaxPool"] = (n, i) => NodeInputs.One(Pool(n, i, max: true));
        t["AveragePool"] = (n, i) => NodeInputs.One(Pool(n, i, max: false));
        t["GlobalAveragePool"] = (n, i) => NodeInputs.One(GlobalAverage(n.FloatInput(i, 0)));
        t["GlobalMaxPool"] = (n, i) => NodeInputs.One(n.FloatInput(i, 0).Max(SpatialAxes(n.FloatInput(i, 0)), keepDim: true));
    }

    static int[] SpatialAxes(Tensor x) => Enumerable.Range(2, x.Rank - 2).ToArray();

    static Tensor GlobalAverage(Tensor x) =>
        x.Rank == 4 ? Functional.AdaptiveAvgPool2d(x, 1, 1) : x.Mean(SpatialAxes(x), keepDim: true);

    static Tensor Pool(OnnxNode node, OnnxValue?[] inputs, bool max)
    {
        if (node.Outputs.Count > 1 && node.Outputs[1].Length > 0) throw node.Unsupported("the Indices output of MaxPool");
        var (x, lifted) = Spatial.Lift(node, node.FloatInput(inputs, 0));
        var declared = node.Ints("kernel_shape") ?? throw node.Invalid("the required attribute 'kernel_shape' is missing");
        var kernel = Spatial.LiftInts(declared.Select(k => (int)k).ToArray(), 1, lifted);
        var win = Spatial.LiftWindow(node, x, lifted, kernel);
        if (win.Dilations.Any(d => d != 1)) throw node.Unsupported($"dilations [{string.Join(", ", win.Dilations)}]");
        bool ceil = node.Int("ceil_mode", 0) != 0;
        bool countIncludePad = node.Int("count_include_pad", 0) != 0;
        int h = x.Shape[2], w = x.Shape[3];
        var extra = new int[2];
        for (int i = 0; i < 2; i++)
        {
            int padded = x.Shape[2 + i] + win.PadBegin[i] + win.PadEnd[i];
            if (padded < kernel[i]) throw node.Invalid($"input {Tensor.FormatShape(x.Shape)} is smaller than the kernel with its padding");
            int outSize = ceil ? (padded - kernel[i] + win.Strides[i] - 1) / win.Strides[i] + 1 : (padded - kernel[i]) / win.Strides[i] + 1;
            // ceil mode lets the last window run past the padded input
            extra[i] = (outSize - 1) * win.Strides[i] + kernel[i] - padded;
        }
        var k = (kernel[0], kernel[1]); var s = (win.Strides[0], win.Strides[1]);
        bool native = win.Symmetric && extra.All(e => e == 0) && 2 * win.PadBegin[0] <= kernel[0] && 2 * win.PadBegin[1] <= kernel[1];
        Tensor y;
        if (native)
        {
            var p = (win.PadBegin[0], win.PadBegin[1]);
            y = max ? Functional.MaxPool2d(x, k, s, p) : Functional.AvgPool2d(x, k, s, p, countIncludePad);
        }
        else
        {
            var end = new[] { win.PadEnd[0] + extra[0], win.PadEnd[1] + extra[1] };
            var pads = Window.EnginePads(win.PadBegin, end);
            if (max) y = Functional.MaxPool2d(x.Pad(pads, float.NegativeInfinity), k, s, (0, 0));
            else
            {
                var sum = Functional.AvgPool2d(x.Pad(pads), k, s, (0, 0), true);
                // the share of each window that counts: the input, plus the explicit pads when count_include_pad
                var ones = Tensor.Ones(1, 1, h, w);
                var counted = countIncludePad
                    ? ones.Pad(Window.EnginePads(win.PadBegin, win.PadEnd), 1f).Pad(Window.EnginePads([0, 0], extra))
                    : ones.Pad(pads);
                y = Tensor.Div(sum, Functional.AvgPool2d(counted, k, s, (0, 0), true));
            }
        }
        return Spatial.Lower(y, lifted);
    }
}
