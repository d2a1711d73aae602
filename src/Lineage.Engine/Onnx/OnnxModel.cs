using Lineage.Engine.Nn;

namespace Lineage.Engine.Onnx;

/// <summary>How an ONNX model is imported.</summary>
public sealed record OnnxImportOptions
{
    /// <summary>Whether the float initializers (except batch-norm statistics) are trainable parameters
    /// that require grad, as in any engine layer. Gradients w.r.t. the input flow either way.</summary>
    public bool TrainableInitializers { get; init; } = true;
}

/// <summary>
/// An ONNX model (opsets 7–17) imported as an engine <see cref="Module"/>: the graph runs with engine
/// ops, so autograd works through it (d(output)/d(input) for gradient-based fingerprints, and
/// d(loss)/d(weights) when trainable). Float initializers become parameters, or buffers when they are
/// only batch-norm statistics; module member names cannot hold dots, so each initializer is registered
/// under a sanitised name and <see cref="OnnxNames"/> maps it back. Graphs are inference graphs:
/// Dropout is the identity and BatchNormalization uses its given statistics in either mode.
/// </summary>
public sealed class OnnxModel : Module
{
    readonly OnnxGraph graph;
    readonly Dictionary<string, string> memberByOnnx = new();
    readonly Dictionary<string, string> onnxByMember = new();

    OnnxModel(OnnxGraph graph, OnnxImportOptions options)
    {
        this.graph = graph;
        foreach (var (name, tensor) in graph.FloatInitializers)
        {
            var member = UniqueMemberName(name);
            memberByOnnx[name] = member;
            onnxByMember[member] = name;
            if (graph.StatisticInitializers.Contains(name)) RegisterBuffer(member, tensor.ClonePersistent());
            else RegisterParameter(member, tensor.ClonePersistent()).RequiresGrad = options.TrainableInitializers;
        }
        Eval();
    }

    /// <summary>Reads an .onnx file. Corrupt files, unsupported opsets and unsupported ops fail here with
    /// an error naming the file and, for ops, the node, op type and opset.</summary>
    public static OnnxModel Load(string path, OnnxImportOptions? options = null) => new(OnnxGraph.Load(path), options ?? new());

    /// <param name="sourceName">Names the model in error messages.</param>
    public static OnnxModel Load(byte[] bytes, string sourceName = "<bytes>", OnnxImportOptions? options = null) =>
        new(OnnxGraph.Parse(bytes, sourceName), options ?? new());

    /// <summary>The default-domain opset the model imports.</summary>
    public int Opset => graph.Opset;
    /// <summary>How many runs of nodes (Conv → BatchNormalization [→ Relu], Conv → Relu [→ MaxPool 2×2]) execute as one
    /// fused engine op.</summary>
    internal int FusedRuns => graph.FusedRuns;
    public IReadOnlyList<OnnxInputInfo> Inputs => graph.Inputs;
    public IReadOnlyList<string> Outputs => graph.Outputs;
    /// <summary>Module member name (as in <see cref="Module.StateDict"/>) → ONNX initializer name.</summary>
    public IReadOnlyDictionary<string, string> OnnxNames => onnxByMember;
    /// <summary>The ONNX ops the importer supports.</summary>
    public static IReadOnlyCollection<string> SupportedOps => OpTable.SupportedOps;

    /// <summary>The engine tensor behind an ONNX initializer.</summary>
    public Tensor Initializer(string onnxName)
    {
        if (!memberByOnnx.TryGetValue(onnxName, out var member)) throw new KeyNotFoundException($"{graph.File} has no float initializer '{onnxName}'");
        return graph.StatisticInitializers.Contains(onnxName) ? Buffer(member) : Param(member)!;
    }

    string UniqueMemberName(string onnxName)
    {
        var baseName = onnxName.Length == 0 ? "initializer" : onnxName.Replace('.', '_');
        var name = baseName;
        for (int k = 1; onnxByMember.ContainsKey(name); k++) name = $"{baseName}_{k}";
        return name;
    }

    /// <summary>Runs a single-input, single-output graph.</summary>
    public override Tensor Forward(Tensor input)
    {
        if (graph.Inputs.Count != 1 || graph.Outputs.Count != 1)
            throw new NotSupportedException($"{graph.File} has {graph.Inputs.Count} inputs and {graph.Outputs.Count} outputs; use Run for graphs other than one input → one output");
        var info = graph.Inputs[0];
        CheckShape(info, input);
        return Run(new Dictionary<string, Tensor> { [info.Name] = input })[graph.Outputs[0]];
    }

    /// <summary>Runs the graph on named inputs. Integer inputs (declared int64, int32, bool …) are given as
    /// float tensors holding whole numbers; integer outputs come back as float tensors.</summary>
    public IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var values = new Dictionary<string, OnnxValue>();
        foreach (var info in graph.Inputs)
        {
            if (!inputs.TryGetValue(info.Name, out var t)) throw new ArgumentException($"{graph.File}: no value given for graph input '{info.Name}'");
            values[info.Name] = info.IsFloat ? OnnxValue.Of(t) : OnnxValue.OfInts(t.ToArray().Select(v => (long)v).ToArray(), t.Shape);
        }
        var outputs = graph.Run(Initializer, values);
        return outputs.ToDictionary(kv => kv.Key, kv => kv.Value.ToFloat());
    }

    void CheckShape(OnnxInputInfo info, Tensor input)
    {
        bool ok = info.Shape.Length == 0 || (info.Shape.Length == input.Rank && info.Shape.Select((d, i) => d < 0 || d == input.Shape[i]).All(b => b));
        if (!ok)
            throw new ArgumentException($"{graph.File}: input '{info.Name}' expects shape [{string.Join(", ", info.Shape.Select(d => d < 0 ? "?" : d.ToString()))}], got {Tensor.FormatShape(input.Shape)}");
    }

    protected override string ExtraRepr() => $"({graph.File}, opset {graph.Opset}, {graph.FloatInitializers.Count} initializers)";
}
