namespace Lineage.Engine.Onnx;

/// <summary>What a run of nodes computes when the importer executes it as one engine op.</summary>
internal enum FusedOp { ConvBatchNorm, ConvBatchNormRelu, ConvBatchNormAddRelu, ConvRelu, ConvReluMaxPool }

/// <summary>A run of <paramref name="Length"/> consecutive nodes, starting at a Conv, that computes <paramref name="Op"/>.</summary>
internal sealed record FusedRun(FusedOp Op, int Length);

/// <summary>
/// The node runs the importer hands to the engine's fused convolutions (<see cref="Functional.Conv2dBatchNorm"/>,
/// <see cref="Functional.Conv2dRelu"/>, <see cref="Functional.Conv2dReluMaxPool"/>): Conv → BatchNormalization
/// [→ Relu], Conv → BatchNormalization → Add (a value computed before the run) → Relu, and Conv → Relu [→ MaxPool 2×2,
/// stride 2]. Each intermediate value must feed only the next node of the run
/// and not be a graph output, so nothing else can observe it. The fused ops are the separate ops whenever a gradient
/// is recorded, so gradients through an imported model are unchanged; in inference they fold the batch norm and
/// store only the final output, as the engine's own modules do.
/// </summary>
internal static class Fusion
{
    /// <summary>Tests switch this off to run every node on its own.</summary>
    internal static bool Enabled = true;

    /// <summary>The runs in <paramref name="nodes"/> (a graph's program, in execution order), by the index of their Conv.</summary>
    public static Dictionary<int, FusedRun> Find(IReadOnlyList<OnnxNode> nodes, IReadOnlyCollection<string> graphOutputs)
    {
        var uses = new Dictionary<string, int>();
        foreach (var node in nodes)
            foreach (var name in node.Inputs)
                if (name.Length > 0) uses[name] = uses.GetValueOrDefault(name) + 1;
        bool Private(string value) => uses.GetValueOrDefault(value) == 1 && !graphOutputs.Contains(value);
        bool Feeds(int i, string value) => i < nodes.Count && nodes[i].Inputs.Count > 0 && nodes[i].Inputs[0] == value
            && nodes[i].Outputs.Skip(1).All(o => o.Length == 0);

        var runs = new Dictionary<int, FusedRun>();
        for (int i = 0; i < nodes.Count; i++)
        {
            var conv = nodes[i];
            if (conv.OpType != "Conv" || conv.Outputs.Count != 1) continue;
            string y = conv.Outputs[0];
            if (!Private(y)) continue;
            if (Feeds(i + 1, y) && nodes[i + 1].OpType == "BatchNormalization" && nodes[i + 1].Int("training_mode", 0) == 0)
            {
                string z = nodes[i + 1].Outputs[0];
                bool relu = Private(z) && Feeds(i + 2, z) && nodes[i + 2].OpType == "Relu";
                // a residual block's tail: the batch norm's output added to a value computed before the run, then Relu
                bool residual = !relu && Private(z) && i + 3 < nodes.Count && nodes[i + 2].OpType == "Add" && nodes[i + 2].Inputs.Count == 2
                    && nodes[i + 2].Inputs.Count(v => v == z) == 1 && Private(nodes[i + 2].Outputs[0]) && Feeds(i + 3, nodes[i + 2].Outputs[0])
                    && nodes[i + 3].OpType == "Relu";
                runs[i] = relu ? new FusedRun(FusedOp.ConvBatchNormRelu, 3)
                    : residual ? new FusedRun(FusedOp.ConvBatchNormAddRelu, 4)
                    : new FusedRun(FusedOp.ConvBatchNorm, 2);
            }
            else if (Feeds(i + 1, y) && nodes[i + 1].OpType == "Relu")
            {
                bool pool = Private(nodes[i + 1].Outputs[0]) && Feeds(i + 2, nodes[i + 1].Outputs[0]) && IsPlainMaxPool2(nodes[i + 2]);
                runs[i] = pool ? new FusedRun(FusedOp.ConvReluMaxPool, 3) : new FusedRun(FusedOp.ConvRelu, 2);
            }
            if (runs.TryGetValue(i, out var run)) i += run.Length - 1;
        }
        return runs;
    }

    /// <summary>MaxPool with a 2×2 window, stride 2, no padding or dilation, floor mode, and no indices output.</summary>
    static bool IsPlainMaxPool2(OnnxNode n)
    {
        static bool Is(long[]? values, long v, bool absentOk) => values == null ? absentOk : values.Length == 2 && values.All(x => x == v);
        return n.OpType == "MaxPool" && Is(n.Ints("kernel_shape"), 2, false) && Is(n.Ints("strides"), 2, false)
            && (n.Ints("pads") is null || n.Ints("pads")!.All(p => p == 0)) && Is(n.Ints("dilations"), 1, true)
            && n.String("auto_pad", "NOTSET") is "NOTSET" or "VALID" && n.Int("ceil_mode", 0) == 0 && n.Int("storage_order", 0) == 0;
    }

    /// <summary>Runs a fused run on its nodes' inputs (<paramref name="args"/>: each node's, in order; the chained ones
    /// unused). Null when the Conv is one the fused ops do not take (a 1-D convolution): the caller runs the nodes.</summary>
    public static Tensor? Run(FusedRun run, IReadOnlyList<OnnxNode> nodes, IReadOnlyList<OnnxValue?[]> args)
    {
        if (args[0][0]?.Float?.Rank != 4) return null;
        var c = ConvOps.Prepare(nodes[0], args[0]);
        switch (run.Op)
        {
            case FusedOp.ConvRelu:
                return Functional.Conv2dRelu(c.X, c.W, c.B, c.Stride, c.Padding, c.Dilation, c.Groups);
            case FusedOp.ConvReluMaxPool:
                return Functional.Conv2dReluMaxPool(c.X, c.W, c.B, c.Stride, c.Padding, c.Dilation, c.Groups);
            default:
                Tensor? residual = null;
                if (run.Op == FusedOp.ConvBatchNormAddRelu)
                {
                    // the Add's other operand; one that would broadcast rather than match the output runs node by node
                    var add = nodes[2];
                    residual = args[2][add.Inputs[0] == nodes[1].Outputs[0] ? 1 : 0]?.Float;
                    int oh = Kernels.ConvGeometry.OutSize(c.X.Shape[2], c.W.Shape[2], c.Stride.H, c.Padding.H, c.Dilation.H);
                    int ow = Kernels.ConvGeometry.OutSize(c.X.Shape[3], c.W.Shape[3], c.Stride.W, c.Padding.W, c.Dilation.W);
                    if (residual == null || !residual.Shape.AsSpan().SequenceEqual([c.X.Shape[0], c.W.Shape[0], oh, ow])) return null;
                }
                var bn = nodes[1];
                var a = args[1];
                return Functional.Conv2dBatchNorm(c.X, c.W, c.B, c.Stride, c.Padding, c.Dilation, c.Groups,
                    runningMean: bn.FloatInput(a, 3), runningVar: bn.FloatInput(a, 4), bnWeight: bn.FloatInput(a, 1), bnBias: bn.FloatInput(a, 2),
                    eps: bn.Float("epsilon", 1e-5f), residual: residual, relu: run.Op != FusedOp.ConvBatchNorm);
        }
    }
}
