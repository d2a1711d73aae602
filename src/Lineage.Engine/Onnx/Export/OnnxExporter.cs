using Google.Protobuf;
using Lineage.Engine.Nn;
using Lineage.Engine.Onnx.Proto;

namespace Lineage.Engine.Onnx;

/// <summary>How a module is exported.</summary>
public sealed record OnnxExportOptions
{
    public string InputName { get; init; } = "input";
    public string OutputName { get; init; } = "output";
    public string ProducerName { get; init; } = "Lineage";
}

/// <summary>
/// Exports an engine module as an ONNX model (opset 13) with a dynamic batch dimension. The module is
/// traced, not walked: Forward runs once in evaluation mode on a batch of two random inputs that
/// require grad, and the autograd graph it records (each result's op, parents and settings) is written
/// out node by node. So custom modules with their own Forward (residual blocks …) export as long as
/// they use ops with an ONNX mapping; dropout disappears (identity in evaluation mode) and batch norm
/// uses its running statistics. Parameters and buffers keep their state-dict names as initializer names.
/// </summary>
public static class OnnxExporter
{
    public const int Opset = 13;
    /// <summary>Traced batch size: 2, so a batch dimension can be told from a fixed dimension of 1.</summary>
    const int TraceBatch = 2;

    /// <param name="inputShape">One example's shape without the batch, e.g. [C, H, W].</param>
    public static void Export(Module model, int[] inputShape, string path, OnnxExportOptions? options = null) =>
        File.WriteAllBytes(path, ExportToBytes(model, inputShape, options));

    public static byte[] ExportToBytes(Module model, int[] inputShape, OnnxExportOptions? options = null)
    {
        options ??= new();
        if (!GradMode.IsEnabled) throw new InvalidOperationException("ONNX export traces the autograd graph; call it outside GradMode.NoGrad()");
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            using var scope = TensorScope.Begin();
            var x = Tensor.Randn(new Generator(12345), [TraceBatch, .. inputShape]).RequireGrad();
            var y = model.Forward(x);
            if (!y.RequiresGrad || y.IsLeaf) throw new InvalidOperationException("the model's output does not depend on its input through recorded ops; nothing to export");
            var graph = Trace(model, x, y, options);
            var proto = new ModelProto { IrVersion = 7, ProducerName = options.ProducerName, Graph = graph };
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
            return proto.ToByteArray();
        }
        finally { model.Train(wasTraining); }
    }

    static GraphProto Trace(Module model, Tensor x, Tensor y, OnnxExportOptions options)
    {
        var w = new OnnxGraphWriter();
        var named = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        foreach (var (n, t) in model.NamedParameters().Concat(model.NamedBuffers())) named.TryAdd(t, n);
        var emitter = new OpExport(w, named, x, w.Fresh(options.InputName));
        var order = TopologicalOrder(y);
        foreach (var t in order) if (!t.IsLeaf) emitter.Emit(t);
        var last = emitter.NameOf(y);
        var outputName = w.Fresh(options.OutputName);
        w.Node("Identity", [last], [outputName]);
        w.Graph.Input.Add(OnnxGraphWriter.FloatValue(emitter.InputName, [null, .. x.Shape[1..].Select(d => (long?)d)]));
        w.Graph.Output.Add(OnnxGraphWriter.FloatValue(outputName, [null, .. y.Shape[1..].Select(d => (long?)d)]));
        return w.Graph;
    }

    /// <summary>Recorded ops reachable from the output, parents first.</summary>
    static List<Tensor> TopologicalOrder(Tensor output)
    {
        var order = new List<Tensor>();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance) { output };
        var stack = new Stack<(Tensor node, int next)>();
        stack.Push((output, 0));
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            var parents = node.Parents;
            if (parents != null && next < parents.Length)
            {
                stack.Push((node, next + 1));
                if (seen.Add(parents[next])) stack.Push((parents[next], 0));
                continue;
            }
            order.Add(node);
        }
        return order;
    }
}
