namespace Lineage.Engine.Onnx;

/// <summary>Conv and ConvTranspose (1-D and 2-D) on the engine's convolutions. Padding the engine
/// cannot express (asymmetric, SAME_*, cropping) is done with explicit pad ops around them.</summary>
internal static class ConvOps
{
    public static void Register(Dictionary<string, OpHandler> t)
    {
        t["Conv"] = (n, i) => NodeInputs.One(Conv(n, i));
        t["ConvTranspose"] = (n, i) => NodeInputs.One(ConvTranspose(n, i));
    }

    static Tensor Conv(OnnxNode node, OnnxValue?[] inputs)
    {
        var c = Prepare(node, inputs);
        return Spatial.Lower(Functional.Conv2d(c.X, c.W, c.B, c.Stride, c.Padding, c.Dilation, c.Groups), c.Lifted);
    }

    /// <summary>A Conv node's operands as the engine's 2-D convolution takes them: a 1-D convolution lifted to 2-D
    /// (<c>Lifted</c>; its result must be lowered again), padding the engine cannot express already applied to X.</summary>
    internal readonly record struct ConvCall(Tensor X, Tensor W, Tensor? B, (int H, int W) Stride, (int H, int W) Padding, (int H, int W) Dilation, int Groups, bool Lifted);

    internal static ConvCall Prepare(OnnxNode node, OnnxValue?[] inputs)
    {
        var (x, lifted) = Spatial.Lift(node, node.FloatInput(inputs, 0));
        var w = node.FloatInput(inputs, 1);
        var b = inputs.Optional(2)?.Float;
        if (lifted) w = w.Unsqueeze(2);
        if (w.Rank != 4) throw node.Invalid($"weight of shape {Tensor.FormatShape(w.Shape)} for input {Tensor.FormatShape(x.Shape)}");
        var kernel = w.Shape[2..];
        var declared = node.Ints("kernel_shape");
        if (declared != null && !Spatial.LiftInts(declared.Select(k => (int)k).ToArray(), 1, lifted).AsSpan().SequenceEqual(kernel))
            throw node.Invalid($"kernel_shape [{string.Join(", ", declared)}] differs from the weight's {Tensor.FormatShape(w.Shape)}");
        var win = Spatial.LiftWindow(node, x, lifted, kernel);
        int groups = (int)node.Int("group", 1);
        (int, int) padding = (win.PadBegin[0], win.PadBegin[1]);
        if (!win.Symmetric)
        {
            x = x.Pad(Window.EnginePads(win.PadBegin, win.PadEnd));
            padding = (0, 0);
        }
        return new ConvCall(x, w, b, (win.Strides[0], win.Strides[1]), padding, (win.Dilations[0], win.Dilations[1]), groups, lifted);
    }

    static Tensor ConvTranspose(OnnxNode node, OnnxValue?[] inputs)
    {
        var (x, lifted) = Spatial.Lift(node, node.FloatInput(inputs, 0));
        var w = node.FloatInput(inputs, 1);
        var b = inputs.Optional(2)?.Float;
        if (lifted) w = w.Unsqueeze(2);
        if (w.Rank != 4) throw node.Invalid($"weight of shape {Tensor.FormatShape(w.Shape)} for input {Tensor.FormatShape(x.Shape)}");
        int groups = (int)node.Int("group", 1);
        var kernel = w.Shape[2..];
        var input = x.Shape[2..];
        int rank = lifted ? 1 : 2;
        var strides = Spatial.LiftInts(Window.Fill(node.Ints("strides"), rank, 1, node, "strides"), 1, lifted);
        var dilations = Spatial.LiftInts(Window.Fill(node.Ints("dilations"), rank, 1, node, "dilations"), 1, lifted);
        var outputPadding = Spatial.LiftInts(Window.Fill(node.Ints("output_padding"), rank, 0, node, "output_padding"), 0, lifted);
        var begin = new int[2]; var end = new int[2];
        var autoPad = node.String("auto_pad", "NOTSET");
        var outputShape = node.Ints("output_shape");
        if (outputShape != null || autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            // ONNX: total_padding = stride·(in − 1) + output_padding + ((k − 1)·dilation + 1) − output_shape
            var target = outputShape != null ? Spatial.LiftInts(outputShape.Select(v => (int)v).ToArray(), 1, lifted)
                                             : input.Select((v, i) => v * strides[i]).ToArray();
            if (target.Length != 2) throw node.Invalid($"output_shape has {outputShape!.Length} values");
            for (int i = 0; i < 2; i++)
            {
                int total = strides[i] * (input[i] - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1 - target[i];
                // floor division as in ONNX's reference: a negative total (a larger output) extends the end
                int half = (int)Math.Floor(total / 2.0);
                (begin[i], end[i]) = autoPad == "SAME_UPPER" ? (half, total - half) : (total - half, half);
            }
        }
        else if (autoPad is "NOTSET" or "VALID")
        {
            var pads = autoPad == "VALID" ? null : node.Ints("pads");
            if (pads != null)
            {
                var p = pads.Select(v => (int)v).ToArray();
                int r = p.Length / 2;
                if (p.Length != 2 * (lifted ? 1 : 2)) throw node.Invalid($"pads has {p.Length} values");
                begin = Spatial.LiftInts(p[..r], 0, lifted); end = Spatial.LiftInts(p[r..], 0, lifted);
            }
        }
        else throw node.Unsupported($"auto_pad '{autoPad}'");

        var s = (strides[0], strides[1]); var d = (dilations[0], dilations[1]);
        bool native = begin.AsSpan().SequenceEqual(end) && begin.All(p => p >= 0)
            && outputPadding.Select((op, i) => op >= 0 && op < Math.Max(strides[i], dilations[i])).All(ok => ok);
        Tensor y;
        if (native)
            y = Functional.ConvTranspose2d(x, w, b, s, (begin[0], begin[1]), (outputPadding[0], outputPadding[1]), d, groups);
        else
        {
            // full output, then crop the pads (negative padding) and extend by output_padding
            y = Functional.ConvTranspose2d(x, w, null, s, (0, 0), (0, 0), d, groups);
            y = y.Pad([-begin[1], outputPadding[1] - end[1], -begin[0], outputPadding[0] - end[0]]);
            if (b != null) y = Tensor.Add(y, b.Reshape(1, b.Size, 1, 1));
        }
        return Spatial.Lower(y, lifted);
    }
}
