namespace Lineage.Engine.Onnx;

/// <summary>The sliding-window attributes shared by Conv and the pools (kernel_shape, strides,
/// dilations, pads, auto_pad), resolved to explicit begin/end padding per spatial axis.</summary>
internal sealed record Window(int[] Kernel, int[] Strides, int[] Dilations, int[] PadBegin, int[] PadEnd)
{
    public bool Symmetric => PadBegin.AsSpan().SequenceEqual(PadEnd);

    public static Window Parse(OnnxNode node, int[] spatialInput, int[] kernel)
    {
        int r = spatialInput.Length;
        var strides = Fill(node.Ints("strides"), r, 1, node, "strides");
        var dilations = Fill(node.Ints("dilations"), r, 1, node, "dilations");
        var begin = new int[r]; var end = new int[r];
        var autoPad = node.String("auto_pad", "NOTSET");
        switch (autoPad)
        {
            case "NOTSET":
                var pads = node.Ints("pads");
                if (pads != null)
                {
                    if (pads.Length != 2 * r) throw node.Invalid($"pads has {pads.Length} values for {r} spatial axes");
                    for (int i = 0; i < r; i++) { begin[i] = (int)pads[i]; end[i] = (int)pads[i + r]; }
                }
                break;
            case "VALID":
                break;
            case "SAME_UPPER" or "SAME_LOWER":
                for (int i = 0; i < r; i++)
                {
                    // the output keeps ceil(in / stride) positions; the extra padding goes to the end for SAME_UPPER
                    int output = (spatialInput[i] + strides[i] - 1) / strides[i];
                    int total = Math.Max(0, (output - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - spatialInput[i]);
                    int small = total / 2;
                    (begin[i], end[i]) = autoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small);
                }
                break;
            default:
                throw node.Unsupported($"auto_pad '{autoPad}'");
        }
        if (begin.Any(p => p < 0) || end.Any(p => p < 0)) throw node.Unsupported("negative pads");
        return new Window(kernel, strides, dilations, begin, end);
    }

    public static int[] Fill(long[]? values, int rank, int fallback, OnnxNode node, string name)
    {
        if (values == null) return Enumerable.Repeat(fallback, rank).ToArray();
        if (values.Length != rank) throw node.Invalid($"{name} has {values.Length} values for {rank} spatial axes");
        return values.Select(v => (int)v).ToArray();
    }

    /// <summary>Engine padding order (last axis first, before/after pairs) for a 2-D window.</summary>
    public static int[] EnginePads(int[] begin, int[] end) => [begin[1], end[1], begin[0], end[0]];
}

/// <summary>The engine's convolutions and pools are 2-D: a 1-D op runs as 2-D over a unit height.</summary>
internal static class Spatial
{
    public static (Tensor x, bool lifted) Lift(OnnxNode node, Tensor x)
    {
        if (x.Rank == 4) return (x, false);
        if (x.Rank == 3) return (x.Unsqueeze(2), true);
        throw node.Unsupported($"input of shape {Tensor.FormatShape(x.Shape)} ({x.Rank - 2}-D window; 1-D and 2-D are)");
    }

    public static int[] LiftInts(int[] values, int unit, bool lifted) => lifted ? [unit, .. values] : values;

    public static Window LiftWindow(OnnxNode node, Tensor lifted, bool wasLifted, int[] kernel)
    {
        var spatial = lifted.Shape[2..];
        if (!wasLifted) return Window.Parse(node, spatial, kernel);
        var w = Window.Parse(node, spatial[1..], kernel[1..]);
        return new Window([1, .. w.Kernel], [1, .. w.Strides], [1, .. w.Dilations], [0, .. w.PadBegin], [0, .. w.PadEnd]);
    }

    public static Tensor Lower(Tensor y, bool lifted) => lifted ? y.Squeeze(2) : y;
}
