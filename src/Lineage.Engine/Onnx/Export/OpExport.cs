using Lineage.Engine.Onnx.Proto;
using static Lineage.Engine.Onnx.OnnxGraphWriter;

namespace Lineage.Engine.Onnx;

/// <summary>Writes each recorded engine op as ONNX (opset 13) nodes. Leaves become initializers, named
/// by their state-dict name when they belong to the module. Shapes that contain the traced batch are
/// written with 0 (copy the input's dimension) or −1 so the exported graph accepts any batch size.</summary>
internal sealed class OpExport(OnnxGraphWriter w, IReadOnlyDictionary<Tensor, string> stateNames, Tensor input, string inputName)
{
    readonly Dictionary<Tensor, string> values = new(ReferenceEqualityComparer.Instance) { [input] = inputName };
    readonly Dictionary<(Tensor, string), string> constants = new();
    int constantCount;

    public string InputName => inputName;

    public string NameOf(Tensor t) => values.TryGetValue(t, out var n) ? n
        : t.IsLeaf ? Constant(t) : throw new InvalidOperationException($"internal error: op {t.Op} used before it was exported");

    /// <summary>A leaf as an initializer (optionally with other dims, e.g. PRelu's [C, 1, 1] slope).</summary>
    string Constant(Tensor t, int[]? shape = null)
    {
        var key = (t, Tensor.FormatShape(shape ?? t.Shape));
        if (!constants.TryGetValue(key, out var name))
            constants[key] = name = w.Floats(stateNames.TryGetValue(t, out var s) ? s : $"const_{constantCount++}", t, shape);
        return name;
    }

    static NotSupportedException Unsupported(Tensor t, string why) =>
        new($"ONNX export: engine op '{t.Op}' (output {Tensor.FormatShape(t.Shape)}) {why}");

    T ArgsOf<T>(Tensor t) where T : OpArgs => t.Args as T ?? throw Unsupported(t, "was recorded without its settings");

    public void Emit(Tensor t)
    {
        var p = t.Parents!;
        string In(int i) => NameOf(p[i]);
        string Unary(string op, params AttributeProto[] a) => w.Node(op, [In(0)], a);
        values[t] = t.Op switch
        {
            "add" => w.Node("Add", [In(0), In(1)]),
            "sub" => w.Node("Sub", [In(0), In(1)]),
            "mul" => w.Node("Mul", [In(0), In(1)]),
            "div" => w.Node("Div", [In(0), In(1)]),
            "neg" => Unary("Neg"),
            "exp" => Unary("Exp"),
            "log" => Unary("Log"),
            "sqrt" => Unary("Sqrt"),
            "abs" => Unary("Abs"),
            "relu" => Unary("Relu"),
            "sigmoid" => Unary("Sigmoid"),
            "tanh" => Unary("Tanh"),
            "silu" => w.Node("Mul", [In(0), Unary("Sigmoid")]),
            "gelu" => Gelu(In(0)),
            "leaky_relu" => Unary("LeakyRelu", Float("alpha", ArgsOf<ScalarArgs>(t).Value)),
            "elu" => Unary("Elu", Float("alpha", ArgsOf<ScalarArgs>(t).Value)),
            "prelu" => w.Node("PRelu", [In(0), Constant(p[1], p[1].Size == 1 ? [1] : [p[1].Size, .. Enumerable.Repeat(1, p[0].Rank - 2)])]),
            "clamp" => Clip(t, In(0)),
            "add_scalar" => w.Node("Add", [In(0), w.Scalar("scalar", ArgsOf<ScalarArgs>(t).Value)]),
            "mul_scalar" => w.Node("Mul", [In(0), w.Scalar("scalar", ArgsOf<ScalarArgs>(t).Value)]),
            "rsub" => w.Node("Sub", [w.Scalar("scalar", ArgsOf<ScalarArgs>(t).Value), In(0)]),
            "pow" => w.Node("Pow", [In(0), w.Scalar("exponent", ArgsOf<ScalarArgs>(t).Value)]),
            "reshape" => Reshape(t, p[0], In(0)),
            "permute" => Unary("Transpose", Ints("perm", ArgsOf<AxesArgs>(t).Axes.Select(a => (long)a).ToArray())),
            "cat" => w.Node("Concat", p.Select(NameOf).ToArray(), Int("axis", ArgsOf<AxesArgs>(t).Axes[0])),
            "pad" => Pad(t, In(0)),
            "index_select" => Gather(t, In(0)),
            "sum" => Sum(t, In(0)),
            "softmax" => Unary("Softmax", Int("axis", ArgsOf<AxesArgs>(t).Axes[0])),
            "log_softmax" => Unary("LogSoftmax", Int("axis", ArgsOf<AxesArgs>(t).Axes[0])),
            "linear" => w.Node("Gemm", p.Select(NameOf).ToArray(), Int("transB", 1)),
            "matmul" => w.Node("MatMul", [In(0), In(1)]),
            "conv2d" => Conv(t, "Conv", p),
            "conv_transpose2d" => Conv(t, "ConvTranspose", p),
            "max_pool2d" => Pool(t, "MaxPool", In(0)),
            "avg_pool2d" => Pool(t, "AveragePool", In(0)),
            "adaptive_avg_pool2d" => AdaptiveAverage(t, p[0], In(0)),
            "batch_norm" => BatchNorm(t, In(0)),
            _ => throw Unsupported(t, "has no ONNX mapping in the exporter"),
        };
    }

    /// <summary>gelu(x) = x·(1 + erf(x/√2))/2 (ONNX has no Gelu before opset 20).</summary>
    string Gelu(string x)
    {
        var erf = w.Node("Erf", [w.Node("Div", [x, w.Scalar("sqrt2", MathF.Sqrt(2f))])]);
        var onePlus = w.Node("Add", [erf, w.Scalar("one", 1f)]);
        return w.Node("Mul", [w.Node("Mul", [x, onePlus]), w.Scalar("half", 0.5f)]);
    }

    string Clip(Tensor t, string x)
    {
        var a = ArgsOf<ClampArgs>(t);
        string min = float.IsNegativeInfinity(a.Min) ? "" : w.Scalar("min", a.Min);
        string max = float.IsPositiveInfinity(a.Max) ? "" : w.Scalar("max", a.Max);
        return w.Node("Clip", [x, min, max]);
    }

    string Reshape(Tensor t, Tensor source, string x)
    {
        var outShape = t.Shape; var inShape = source.Shape;
        bool keepsBatch = outShape.Length > 0 && inShape.Length > 0 && outShape[0] == inShape[0];
        if (keepsBatch && outShape.Length == 2 && outShape[1] == inShape[1..].Aggregate(1, (a, b) => a * b))
            return w.Node("Flatten", [x], Int("axis", 1));
        // the leading dimension follows the batch: copied when kept, inferred otherwise
        var shape = outShape.Select(d => (long)d).ToArray();
        if (shape.Length > 0) shape[0] = keepsBatch ? 0 : -1;
        return w.Node("Reshape", [x, w.Longs("shape", shape)]);
    }

    string Pad(Tensor t, string x)
    {
        var a = ArgsOf<PadArgs>(t);
        int rank = t.Rank;
        // engine pads pair (before, after) from the last axis; ONNX lists all begins, then all ends
        var pads = new long[2 * rank];
        for (int i = 0; i < a.Pads.Length / 2; i++)
        {
            int axis = rank - 1 - i;
            pads[axis] = a.Pads[2 * i]; pads[axis + rank] = a.Pads[2 * i + 1];
        }
        if (pads[0] != 0 || pads[rank] != 0) throw Unsupported(t, "pads the batch dimension");
        return w.Node("Pad", [x, w.Longs("pads", pads), w.Scalar("pad_value", a.Value)]);
    }

    string Gather(Tensor t, string x)
    {
        var a = ArgsOf<IndexArgs>(t);
        if (a.Axis == 0) throw Unsupported(t, "selects along the batch dimension");
        return w.Node("Gather", [x, w.Longs("indices", a.Indices.Select(i => (long)i).ToArray())], Int("axis", a.Axis));
    }

    string Sum(Tensor t, string x)
    {
        var a = ArgsOf<AxesArgs>(t);
        if (a.Axes.Contains(0)) throw Unsupported(t, "sums over the batch dimension");
        return w.Node("ReduceSum", [x, w.Longs("axes", a.Axes.Select(v => (long)v).ToArray())], Int("keepdims", a.KeepDim ? 1 : 0));
    }

    string Conv(Tensor t, string op, Tensor[] p)
    {
        var a = ArgsOf<ConvArgs>(t);
        var weight = p[1];
        var attrs = new List<AttributeProto>
        {
            Ints("kernel_shape", weight.Shape[2], weight.Shape[3]),
            Ints("strides", a.Stride.H, a.Stride.W),
            Ints("pads", a.Padding.H, a.Padding.W, a.Padding.H, a.Padding.W),
            Ints("dilations", a.Dilation.H, a.Dilation.W),
            Int("group", a.Groups),
        };
        if (op == "ConvTranspose") attrs.Add(Ints("output_padding", a.OutputPadding.H, a.OutputPadding.W));
        return w.Node(op, p.Select(NameOf).ToArray(), attrs.ToArray());
    }

    string Pool(Tensor t, string op, string x)
    {
        var a = ArgsOf<PoolArgs>(t);
        var attrs = new List<AttributeProto>
        {
            Ints("kernel_shape", a.Kernel.H, a.Kernel.W),
            Ints("strides", a.Stride.H, a.Stride.W),
            Ints("pads", a.Padding.H, a.Padding.W, a.Padding.H, a.Padding.W),
        };
        if (op == "AveragePool") attrs.Add(Int("count_include_pad", a.CountIncludePad ? 1 : 0));
        return w.Node(op, [x], attrs.ToArray());
    }

    /// <summary>Adaptive average pooling to 1×1 is GlobalAveragePool; to a size that divides the input
    /// it is an AveragePool with equal windows.</summary>
    string AdaptiveAverage(Tensor t, Tensor source, string x)
    {
        int h = source.Shape[2], wd = source.Shape[3], oh = t.Shape[2], ow = t.Shape[3];
        if (oh == 1 && ow == 1) return w.Node("GlobalAveragePool", [x]);
        if (h % oh != 0 || wd % ow != 0) throw Unsupported(t, $"pools {h}x{wd} to {oh}x{ow}, which is not a whole-window average");
        return w.Node("AveragePool", [x], Ints("kernel_shape", h / oh, wd / ow), Ints("strides", h / oh, wd / ow));
    }

    string BatchNorm(Tensor t, string x)
    {
        var a = ArgsOf<BatchNormArgs>(t);
        if (a.Training || a.RunningMean == null || a.RunningVar == null) throw Unsupported(t, "normalises with batch statistics (train mode or no running statistics)");
        int c = t.Shape[1];
        string scale = a.Weight != null ? NameOf(a.Weight) : w.Floats("bn_scale", Tensor.Ones(c));
        string bias = a.Bias != null ? NameOf(a.Bias) : w.Floats("bn_bias", Tensor.Zeros(c));
        string y = w.Node("BatchNormalization", [x, scale, bias, NameOf(a.RunningMean), NameOf(a.RunningVar)], Float("epsilon", a.Eps));
        if (a.Residual) y = w.Node("Add", [y, NameOf(t.Parents![3])]);
        return a.Relu ? w.Node("Relu", [y]) : y;
    }
}
